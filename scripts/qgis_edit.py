"""Headless QGIS edits the layers of running atlas servers (scripts/qgis-check).

Run with Debian's /usr/bin/python3 (python3-qgis) and QT_QPA_PLATFORM=offscreen:

  qgis_edit.py --gpkg FILE --gpkg-server URL \
               --pg-host H --pg-port P --pg-dbname D --pg-server URL

In the GeoPackage (OGR provider) and in PostGIS (postgres provider) it
changes a shop unit's address, moves a company point and adds a company
with addFeature, each in an edit session committed with commitChanges(). After each commit it polls the matching server's
GET /api/layers/{layer}/features/{id} until the change shows (5 s at most)
and prints how long that took. Exits 1 with the reason on any failure.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsDataSourceUri,
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsPointXY,
    QgsVectorLayer,
)

VISIBLE_WITHIN_S = 5.0
POLL_EVERY_S = 0.05
# about 55 m east, 33 m north: still inside the city
MOVE_DX, MOVE_DY = 0.0008, 0.0003


class CheckFailed(Exception):
    pass


def fetch_feature(server, layer, feature_id):
    url = f"{server}/api/layers/{layer}/features/{urllib.parse.quote(feature_id)}"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def wait_for(server, layer, feature_id, shows, what):
    """Poll until `shows(feature)` holds; the seconds it took."""
    start = time.monotonic()
    last = None
    while True:
        try:
            last = fetch_feature(server, layer, feature_id)
        except (urllib.error.URLError, OSError) as error:
            last = f"request failed: {error}"
        if isinstance(last, dict) and shows(last):
            took = time.monotonic() - start
            print(f"  seen on {server} after {took * 1000:.0f} ms: {what}", flush=True)
            return took
        if time.monotonic() - start > VISIBLE_WITHIN_S:
            raise CheckFailed(
                f"{server} did not show {what} within {VISIBLE_WITHIN_S:.0f} s; "
                f"last answer for {layer}/{feature_id}: {json.dumps(last)[:400]}"
            )
        time.sleep(POLL_EVERY_S)


def open_layer(source, name, provider):
    layer = QgsVectorLayer(source, name, provider)
    if not layer.isValid():
        error = layer.error().summary() if layer.error() else ""
        raise CheckFailed(f"QGIS cannot open {name} ({provider}): {source} {error}")
    return layer


def commit(layer, what):
    if not layer.commitChanges():
        errors = "; ".join(layer.commitErrors())
        layer.rollBack()
        raise CheckFailed(f"QGIS could not commit {what} in {layer.name()} "
                          f"({layer.providerType()}): {errors}")
    print(f"committed by QGIS ({layer.providerType()}): {what}", flush=True)


def first_feature(layer):
    request = QgsFeatureRequest().setLimit(1)
    for feature in layer.getFeatures(request):
        return feature
    raise CheckFailed(f"{layer.name()} has no features")


def change_address(layer, server, tag):
    unit = first_feature(layer)
    unit_id = unit["id"]
    address = f"{unit['address']} (QGIS {tag} {int(time.time())})"
    if not layer.startEditing():
        raise CheckFailed(f"QGIS cannot edit {layer.name()} ({layer.providerType()})")
    field = layer.fields().indexOf("address")
    if not layer.changeAttributeValue(unit.id(), field, address):
        raise CheckFailed(f"changeAttributeValue refused on {unit_id}")
    commit(layer, f"shop unit {unit_id} address -> {address!r}")
    return wait_for(server, "shop_units", unit_id,
                    lambda f: f["properties"].get("address") == address,
                    f"the address of {unit_id}")


def close_to(coordinates, point):
    return (abs(coordinates[0] - point.x()) < 1e-7
            and abs(coordinates[1] - point.y()) < 1e-7)


def move_company(layer, server):
    company = first_feature(layer)
    company_id = company["id"]
    old = company.geometry().asPoint()
    new = QgsPointXY(old.x() + MOVE_DX, old.y() + MOVE_DY)
    if not layer.startEditing():
        raise CheckFailed(f"QGIS cannot edit {layer.name()} ({layer.providerType()})")
    if not layer.changeGeometry(company.id(), QgsGeometry.fromPointXY(new)):
        raise CheckFailed(f"changeGeometry refused on {company_id}")
    commit(layer, f"company {company_id} moved to {new.x():.6f} {new.y():.6f}")
    return wait_for(server, "companies", company_id,
                    lambda f: close_to(f["geometry"]["coordinates"], new),
                    f"the new point of {company_id}")


def add_company(layer, server):
    template = first_feature(layer)
    at = template.geometry().asPoint()
    point = QgsPointXY(at.x() - MOVE_DX, at.y() - MOVE_DY)
    company_id = f"co-qgis-{layer.providerType()}-{int(time.time())}"
    feature = QgsFeature(layer.fields())
    feature.setAttribute("id", company_id)
    feature.setAttribute("name", "QGIS Testbedrijf")
    feature.setAttribute("nace", template["nace"])
    feature.setAttribute("employees", 7)
    feature.setGeometry(QgsGeometry.fromPointXY(point))
    if not layer.startEditing():
        raise CheckFailed(f"QGIS cannot edit {layer.name()} ({layer.providerType()})")
    if not layer.addFeature(feature):
        raise CheckFailed(f"addFeature refused {company_id}")
    commit(layer, f"new company {company_id} at {point.x():.6f} {point.y():.6f}")
    return wait_for(server, "companies", company_id,
                    lambda f: f["properties"].get("name") == "QGIS Testbedrijf"
                    and close_to(f["geometry"]["coordinates"], point),
                    f"the new company {company_id}")


def postgis_layer(args, table):
    uri = QgsDataSourceUri()
    uri.setConnection(args.pg_host, str(args.pg_port), args.pg_dbname, args.pg_user, "")
    uri.setDataSource("public", table, "geom", "", "id")
    return open_layer(uri.uri(False), table, "postgres")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gpkg", required=True)
    parser.add_argument("--gpkg-server", required=True)
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--pg-dbname", default="postgres")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-server", required=True)
    args = parser.parse_args()

    QgsApplication.setPrefixPath("/usr", True)
    qgs = QgsApplication([], False)
    qgs.initQgis()
    from qgis.core import Qgis
    print(f"QGIS {Qgis.QGIS_VERSION}", flush=True)
    try:
        print("GeoPackage (ogr provider):", flush=True)
        units = open_layer(f"{args.gpkg}|layername=shop_units", "shop_units", "ogr")
        companies = open_layer(f"{args.gpkg}|layername=companies", "companies", "ogr")
        change_address(units, args.gpkg_server, "gpkg")
        move_company(companies, args.gpkg_server)
        add_company(companies, args.gpkg_server)
        del units, companies

        print("PostGIS (postgres provider):", flush=True)
        units = postgis_layer(args, "shop_units")
        companies = postgis_layer(args, "companies")
        change_address(units, args.pg_server, "postgis")
        move_company(companies, args.pg_server)
        add_company(companies, args.pg_server)
        del units, companies
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        qgs.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
