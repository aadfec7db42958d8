"""Statistics: table specifications, their compiler, counting units and disclosure control."""
