"""The thesis's method: a reward network learnt by backpropagating a trajectory-space loss
(MSE, MMD-Gauss, MMD-Matern) through the guided sampling chain of a frozen diffuser."""
