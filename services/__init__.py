"""Each area's rules and state changes, one module per area, named like its routes module: what may happen, to
whom, in which order. Calls db/ for data and never builds HTML or reads a request."""
