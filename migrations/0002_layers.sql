-- One table per layer, named after its layer id, with the columns of
-- src/model/schema.rs in schema order (a unit test checks that they agree).
-- Geometry is typed and in EPSG:4326 (x = longitude, y = latitude), so that a
-- desktop GIS such as QGIS lists every layer with its geometry type.
-- Ids sort by code point (COLLATE "C"), the order the stores read them in.

CREATE TABLE neighbourhoods (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    population bigint NOT NULL
);
CREATE INDEX neighbourhoods_geom_idx ON neighbourhoods USING gist (geom);

CREATE TABLE residents (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL,
    population bigint NOT NULL
);
CREATE INDEX residents_geom_idx ON residents USING gist (geom);

CREATE TABLE parcels (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Polygon, 4326) NOT NULL,
    capakey text NOT NULL,
    area_m2 double precision NOT NULL,
    zoning text NOT NULL,
    owner_kind text NOT NULL,
    park_id text,
    availability text NOT NULL,
    available_from date,
    price_eur_m2 double precision,
    ready_to_build boolean NOT NULL,
    max_height_m double precision
);
CREATE INDEX parcels_geom_idx ON parcels USING gist (geom);

CREATE TABLE business_parks (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    focus text,
    manager text
);
CREATE INDEX business_parks_geom_idx ON business_parks USING gist (geom);

CREATE TABLE shop_units (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL,
    address text NOT NULL,
    street text NOT NULL,
    floor_area_m2 double precision NOT NULL,
    category text NOT NULL,
    kind text,
    status text NOT NULL,
    status_since date NOT NULL,
    occupant text,
    area_id text
);
CREATE INDEX shop_units_geom_idx ON shop_units USING gist (geom);

CREATE TABLE shopping_areas (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(MultiPolygon, 4326) NOT NULL,
    name text NOT NULL,
    kind text NOT NULL
);
CREATE INDEX shopping_areas_geom_idx ON shopping_areas USING gist (geom);

CREATE TABLE streets (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(LineString, 4326) NOT NULL,
    name text NOT NULL,
    walkable boolean NOT NULL,
    class text NOT NULL
);
CREATE INDEX streets_geom_idx ON streets USING gist (geom);

CREATE TABLE companies (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL,
    name text NOT NULL,
    nace text NOT NULL,
    employees bigint,
    contact text
);
CREATE INDEX companies_geom_idx ON companies USING gist (geom);

CREATE TABLE access_points (
    id text COLLATE "C" PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL,
    kind text NOT NULL,
    name text NOT NULL
);
CREATE INDEX access_points_geom_idx ON access_points USING gist (geom);
