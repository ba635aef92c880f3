"""The base trajectory diffuser: temporal U-Net, Gaussian diffusion, normalisers, planning."""
