"""Coding of free-text patient feedback (FFT comments) to the NHS England v6 framework."""
