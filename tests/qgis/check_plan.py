#!/usr/bin/python3
"""Opens a vigia plan package in real QGIS (Debian's python3-qgis), headless, and
checks it the way a GIS analyst would see it:

- the project file loads and every layer in it is valid, with the CRS and the
  feature counts the package's report.json says;
- the GeoPackage styles are applied (layer_styles);
- the map renders to a PNG that is not blank, and the pixels where the routes run
  have the routes' colour.

Usage: check_plan.py PACKAGE_DIR [SCREENSHOT.png]. Exit 0 when all holds; prints one
line per failed check and exits 1 otherwise. Run with /usr/bin/python3 (the Debian
interpreter that sees python3-qgis).
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

from qgis.core import (QgsApplication, QgsCoordinateTransform, QgsMapRendererSequentialJob,
                       QgsMapSettings, QgsPointXY, QgsProject, QgsRasterLayer, QgsRectangle,
                       QgsVectorLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
    return ok


def main():
    package = sys.argv[1]
    shot = sys.argv[2] if len(sys.argv) > 2 else os.path.join(package, "qgis_render.png")
    report = json.load(open(os.path.join(package, "report.json")))
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    check(project.read(os.path.join(package, "plan.qgs")), "plan.qgs: QGIS cannot read it")
    layers = {l.name(): l for l in project.mapLayers().values()}
    expected = ["hillshade", "coverage", "first_seen", "corridor", "permitted_airspace",
                "candidates", "observation_points", "routes", "waypoints", "bases"]
    if report.get("patrol"):
        expected.append("revisit_worst")
    for name in expected:
        check(name in layers, f"plan.qgs: layer {name} missing")
    for name, layer in layers.items():
        check(layer.isValid(), f"layer {name}: not valid (source {layer.source()})")
        check(layer.crs().isValid(), f"layer {name}: no valid CRS")
    # CRS: vector layers in WGS 84 or the work CRS, rasters in the DEM's CRS.
    for name in ["routes", "waypoints", "observation_points", "bases"]:
        if name in layers:
            check(layers[name].crs().authid() == "EPSG:4326",
                  f"layer {name}: CRS {layers[name].crs().authid()}, expected EPSG:4326")
    # Feature counts against the report.
    routes = layers.get("routes")
    flown = 0
    if report.get("sorties"):
        flown = sum(1 for a in report["sorties"]["per_aircraft"] if a["km"] > 0)
        check(layers["observation_points"].featureCount() == report["area"]["observation_points"],
              "observation_points: feature count differs from the report")
    if report.get("patrol"):
        flown = 3
    if routes is not None:
        check(routes.featureCount() == flown,
              f"routes: {routes.featureCount()} features, the report has {flown} flown routes")
        check(routes.renderer() is not None and
              routes.renderer().symbol().color().name() == "#c81e1e",
              "routes: the stored style was not applied")
    check(layers["candidates"].featureCount() == report["area"]["candidates"],
          "candidates: feature count differs from the report")
    for name in ["coverage", "hillshade"]:
        if name in layers:
            check(isinstance(layers[name], QgsRasterLayer) and layers[name].width() > 0,
                  f"{name}: not a readable raster")

    # Render the project's visible layers as QGIS would show them.
    settings = QgsMapSettings()
    root = project.layerTreeRoot()
    visible = [t.layer() for t in root.findLayers() if t.isVisible()]
    settings.setLayers(visible)
    settings.setDestinationCrs(project.crs())
    extent = QgsRectangle()
    transform = QgsCoordinateTransform(routes.crs(), project.crs(), project)
    extent = transform.transformBoundingBox(routes.extent())
    extent.scale(1.15)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(1200, 1000))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    check(image.save(shot), f"{shot}: cannot save the rendering")
    # Not blank: many distinct colours.
    colours = set()
    for y in range(0, image.height(), 7):
        for x in range(0, image.width(), 7):
            colours.add(image.pixel(x, y))
    check(len(colours) > 200, f"rendering looks blank ({len(colours)} colours)")
    # The route pixels: the route's red (200, 30, 30) within a pixel of each vertex.
    m2p = settings.mapToPixel()
    hits = total = 0
    for feature in routes.getFeatures():
        geom = feature.geometry()
        geom.transform(transform)
        vertices = list(geom.vertices())
        for v in vertices[:: max(1, len(vertices) // 300)]:
            p = m2p.transform(QgsPointXY(v.x(), v.y()))
            x, y = int(round(p.x())), int(round(p.y()))
            if not (1 <= x < image.width() - 1 and 1 <= y < image.height() - 1):
                continue
            total += 1
            found = False
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    c = QColor(image.pixel(x + dx, y + dy))
                    if c.red() > 150 and c.green() < 90 and c.blue() < 90:
                        found = True
            hits += found
    check(total > 20, f"only {total} route vertices inside the rendering")
    check(total > 0 and hits / total >= 0.9,
          f"route colour found at {hits} of {total} route vertices (need 90 %)")
    print(json.dumps({"layers": len(layers), "rendered": shot, "route_vertices": total,
                      "route_hits": hits, "colours": len(colours), "failures": failures}))
    app.exitQgis()
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
