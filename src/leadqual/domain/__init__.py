"""Pure logic: lifecycle, points and decay, BANT. No I/O, no clock: callers pass ``now``."""
