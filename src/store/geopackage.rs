//! The embedded store: an OGC GeoPackage 1.3 file (SQLite) that QGIS opens.
