"""Headless QGIS reads the atlas's OGC API – Features (scripts/qgis-check).

Run with Debian's /usr/bin/python3 (python3-qgis) and QT_QPA_PLATFORM=offscreen:

  qgis_ogc.py --server URL --account NAME --token TOKEN

Loads shop_units with QgsVectorLayer(uri, name, "OAPIF") from URL/ogc and
reads every feature with its fields: without a token the count equals
/api/health's and there is no occupant field; then once more through a
QgsAuthMethodConfig: APIHeader (Authorization: Bearer TOKEN) where QGIS has
it (3.26 and later), else Basic with the account name and the API token as
the password (QGIS 3.22, Debian 12's), where the occupant field is there and
filled for some units. Exits 1 with the
reason on any failure.
"""

import argparse
import json
import os
import sys
import tempfile
import urllib.request

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsVectorLayer


def layer(server, authcfg=None):
    uri = f"url='{server}/ogc' typename='shop_units' pagingEnabled='true'"
    if authcfg:
        uri += f" authcfg={authcfg}"
    loaded = QgsVectorLayer(uri, "shop_units", "OAPIF")
    if not loaded.isValid():
        raise SystemExit(f"qgis_ogc: the OAPIF layer did not load ({uri})")
    return loaded


def read_all(loaded):
    names = [field.name() for field in loaded.fields()]
    rows = [dict(zip(names, feature.attributes())) for feature in loaded.getFeatures()]
    return names, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    os.environ.setdefault("QGIS_AUTH_DB_DIR_PATH", tempfile.mkdtemp(prefix="qgis-auth-"))
    app = QgsApplication([], False)
    app.initQgis()
    with urllib.request.urlopen(f"{args.server}/api/health") as answer:
        expected = json.load(answer)["layers"]["shop_units"]

    names, rows = read_all(layer(args.server))
    if len(rows) != expected:
        raise SystemExit(f"qgis_ogc: public read {len(rows)} shop units, the store has {expected}")
    if "occupant" in names:
        raise SystemExit("qgis_ogc: the public sees the occupant field")
    if not all(row.get("address") for row in rows):
        raise SystemExit("qgis_ogc: a unit without its address")
    print(f"qgis_ogc: public: {len(rows)} shop units with fields {sorted(names)}")

    manager = QgsApplication.authManager()
    manager.setMasterPassword("qgis-check", True)
    if "APIHeader" in manager.authMethodsKeys():
        method = "APIHeader"
        config = QgsAuthMethodConfig(method)
        config.setConfig("Authorization", f"Bearer {args.token}")
    else:
        method = "Basic"
        config = QgsAuthMethodConfig(method)
        config.setConfig("username", args.account)
        config.setConfig("password", args.token)
    config.setName("atlas token")
    ok = manager.storeAuthenticationConfig(config)
    if isinstance(ok, tuple):
        ok = ok[0]
    if not ok:
        raise SystemExit("qgis_ogc: could not store the auth configuration")
    names, rows = read_all(layer(args.server, config.id()))
    if len(rows) != expected:
        raise SystemExit(f"qgis_ogc: with a token read {len(rows)} shop units, the store has {expected}")
    if "occupant" not in names:
        raise SystemExit("qgis_ogc: the retail token sees no occupant field")
    filled = sum(1 for row in rows if row.get("occupant") not in (None, ""))
    if filled == 0:
        raise SystemExit("qgis_ogc: no occupant filled in with the retail token")
    print(f"qgis_ogc: with a retail token ({method}): {len(rows)} shop units, {filled} with an occupant")
    app.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
