"""The district on a map (地图): geometry of the org tree (WGS-84 GeoJSON, `shapes`), its imports
(`imports`), the demo district's boundaries (`demo`), the map's data (`queries`) and Vega-Lite spec
(`chart`), and the WGS-84 ↔ GCJ-02 conversion for base maps that need it (`gcj02`)."""
