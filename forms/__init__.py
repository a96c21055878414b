"""The e-service form engine and the field validators every form on the platform shares."""
