"""Pure JAX kernels, written for one column; ``mifeatures._engine`` maps them."""
