"""Authentication of the people and companies the assistant serves."""
