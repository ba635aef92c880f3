"""The thesis's method: experts, K-windows, reward learning through the chain, evaluation."""
