#!/usr/bin/python3
"""The vigia QGIS plugin in real QGIS (Debian's python3-qgis and its Processing
framework), headless: vigia in the Processing Toolbox, run as a GIS analyst runs it.

What it checks:

- the plugin loads through classFactory(), registers the provider "vigia" with every
  algorithm id, and unload() removes it; its version is vigia's; the executable is
  found where the rules say (setting, VIGIA_EXECUTABLE, bin/, PATH), a missing one is
  reported naming every place looked in, an old one is refused with its version;
- processing.run("vigia:viewshed") and "vigia:corridor" on loaded layers (a
  QgsRasterLayer DEM, QgsVectorLayer border and territory) give valid layers in the
  CRS vigia writes (EPSG:4326 for the rasters of the sample DEM, its metric frame
  EPSG:32719 for corridor.gpkg) with plausible values, identical to what the vigia
  CLI writes with the same options; a point given in UTM reaches vigia as the same
  lon/lat; a filtered layer is exported and still gives the CLI's corridor;
- "vigia:plan" on the bundled scenario gives a package whose layers load into the
  project with vigia's styles and plan.qgs's order; progress reaches the feedback;
- "vigia:planfromlayers" with the sample's settings as layers and parameters gives
  the same plan as the sample scenario;
- "vigia:check" returns SAFE for the plan's mission and UNSAFE (not an error) with a
  higher clearance;
- "vigia:coverage" from a memory layer equals the CLI on a CSV of the same
  observers; "vigia:link", "vigia:select" and "vigia:route" give their layers;
- cancelling a running plan stops vigia, raises QgsProcessingException and leaves no
  folder; bad input raises QgsProcessingException carrying vigia's error line;
- the Processing dialog (the algorithm in a background task, as in the QGIS window)
  runs a corridor and loads its layers, and its Cancel button stops a plan;
- scripts/build_qgis_plugin.sh makes a zip that QGIS's "Install from ZIP" unpacks into
  a working plugin that runs the vigia shipped in it;
- the toolbox lists the provider with its nine algorithms (and, given a screenshot
  folder, renders it, the plan's layers as loaded and the plan dialog's log:
  qgis_toolbox.png, qgis_plan_result.png, qgis_plan_dialog.png).

Usage: test_processing.py VIGIA_EXE DATA_DIR WORK_DIR [SCREENSHOT_DIR]. WORK_DIR is
emptied first. Prints one line per failed check; exit 1 on any failure, 0 otherwise.
Run with /usr/bin/python3 (the interpreter that sees python3-qgis).
"""
import gc
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import tomllib

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.dont_write_bytecode = True  # no __pycache__ left in the plugin's source folder

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, "/usr/share/qgis/python/plugins")
sys.path.insert(0, os.path.join(REPO, "qgis_plugin"))

from osgeo import gdal, ogr  # noqa: E402
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem,  # noqa: E402
                       QgsCoordinateTransform, QgsFeature, QgsField, QgsGeometry,
                       QgsMapRendererSequentialJob, QgsMapSettings,
                       QgsPointXY, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingFeedback, QgsProject, QgsRasterLayer, QgsSettings,
                       QgsVectorLayer)
from qgis.PyQt.QtCore import QCoreApplication, QSettings, QSize, QVariant  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

gdal.UseExceptions()
failures = []
EXPECTED_IDS = ["vigia:plan", "vigia:planfromlayers", "vigia:viewshed", "vigia:coverage",
                "vigia:corridor", "vigia:link", "vigia:select", "vigia:route", "vigia:check"]
ROUNDS = 5  # route optimiser rounds for the plans here: quick, and the same on any machine


def check(ok, message):
    """Records a failed check; returns ok."""
    if not ok:
        failures.append(message)
    return bool(ok)


class Recorder(QgsProcessingFeedback):
    """Feedback that remembers what the algorithm reported."""

    def __init__(self):
        super().__init__()
        self.commands, self.texts, self.errors, self.infos, self.warnings = [], [], [], [], []
        self.percents = []

    def pushCommandInfo(self, text):
        self.commands.append(text)

    def setProgressText(self, text):
        self.texts.append(text)

    def setProgress(self, percent):
        self.percents.append(percent)
        super().setProgress(percent)

    def reportError(self, text, fatal=False):
        self.errors.append(text)

    def pushInfo(self, text):
        self.infos.append(text)

    def pushWarning(self, text):
        self.warnings.append(text)


class CancelDuringRun(Recorder):
    """Cancels once vigia reports a stage past the area (the run is well under way),
    or 1.5 s after the first progress line, whichever comes first."""

    def __init__(self):
        super().__init__()
        self.first_progress = None
        self.cancelled_at = None

    def setProgressText(self, text):
        super().setProgressText(text)
        if "reading the DEM" not in text and "corridor" not in text:
            self._cancel()

    def setProgress(self, percent):
        super().setProgress(percent)
        if self.first_progress is None:
            self.first_progress = time.monotonic()

    def isCanceled(self):
        if (self.cancelled_at is None and self.first_progress is not None
                and time.monotonic() - self.first_progress > 1.5):
            self._cancel()
        return super().isCanceled()

    def _cancel(self):
        if self.cancelled_at is None:
            self.cancelled_at = time.monotonic()
            self.cancel()


def on_grid_of(layer, dem):
    """The raster has the DEM's cell size and its corners fall on the DEM's cell edges
    (vigia writes the window the range covers, aligned with the DEM)."""
    cx, cy = dem.rasterUnitsPerPixelX(), dem.rasterUnitsPerPixelY()
    if abs(layer.rasterUnitsPerPixelX() - cx) > 1e-12 or abs(layer.rasterUnitsPerPixelY() - cy) > 1e-12:
        return False
    dx = (layer.extent().xMinimum() - dem.extent().xMinimum()) / cx
    dy = (dem.extent().yMaximum() - layer.extent().yMaximum()) / cy
    return abs(dx - round(dx)) < 1e-6 and abs(dy - round(dy)) < 1e-6 and dx > -1e-6 and dy > -1e-6


def raster_summary(path):
    """(array, geotransform, WKT, nodata per band) of a GeoTIFF via GDAL."""
    ds = gdal.Open(path)
    arrays = [ds.GetRasterBand(b + 1).ReadAsArray() for b in range(ds.RasterCount)]
    nodata = [ds.GetRasterBand(b + 1).GetNoDataValue() for b in range(ds.RasterCount)]
    return arrays, ds.GetGeoTransform(), ds.GetProjection(), nodata


def same_raster(a, b, label):
    """The two GeoTIFFs hold the same cells, grid, CRS and nodata."""
    ra, rb = raster_summary(a), raster_summary(b)
    check(len(ra[0]) == len(rb[0]), f"{label}: band counts differ")
    for i, (x, y) in enumerate(zip(ra[0], rb[0])):
        same = x.shape == y.shape and ((x == y) | ((x != x) & (y != y))).all()
        check(same, f"{label}: band {i + 1} differs from the CLI's")
    check(ra[1] == rb[1], f"{label}: geotransform differs from the CLI's")
    check(ra[2] == rb[2], f"{label}: CRS differs from the CLI's")
    check([str(v) for v in ra[3]] == [str(v) for v in rb[3]], f"{label}: nodata differs from the CLI's")


def gpkg_content(path):
    """{layer: [(WKT, attributes)]} of a GeoPackage (layer_styles left out)."""
    ds = ogr.Open(path)
    content = {}
    for i in range(ds.GetLayerCount()):
        layer = ds.GetLayer(i)
        if layer.GetName() == "layer_styles":
            continue
        rows = []
        for f in layer:
            g = f.GetGeometryRef()
            rows.append((g.ExportToIsoWkt() if g else None,
                         tuple(f.GetField(j) for j in range(f.GetFieldCount()))))
        content[layer.GetName()] = rows
    return content


def same_gpkg(a, b, label):
    ca, cb = gpkg_content(a), gpkg_content(b)
    check(sorted(ca) == sorted(cb), f"{label}: layers {sorted(ca)} differ from the CLI's {sorted(cb)}")
    for name in ca:
        if name not in cb:
            continue
        check(len(ca[name]) == len(cb[name]),
              f"{label}: layer {name} has {len(ca[name])} features, the CLI's {len(cb[name])}")
        check(ca[name] == cb[name], f"{label}: layer {name}: geometries or attributes differ "
                                    "from the CLI's")


def run_cli(vigia, args, env=None):
    """Runs vigia directly; returns the CompletedProcess (checked for exit 0)."""
    out = subprocess.run([vigia] + args, capture_output=True, text=True, env=env)
    check(out.returncode == 0, f"CLI vigia {' '.join(args[:2])}: exit {out.returncode}: "
                               f"{out.stderr.strip()[-300:]}")
    return out


def run_alg(processing, alg_id, params, feedback=None, context=None):
    """processing.run, recording an unexpected exception as a failure; returns
    (results or None, feedback)."""
    feedback = feedback or Recorder()
    try:
        return processing.run(alg_id, params, feedback=feedback, context=context), feedback
    except QgsProcessingException as e:
        check(False, f"{alg_id}: raised {e}; errors {feedback.errors}")
        return None, feedback


def option_value(command, option):
    """The value after ``option`` in a command line, or None."""
    parts = command.split()
    return parts[parts.index(option) + 1] if option in parts else None


# --------------------------------------------------------------------------- checks

def check_plugin_and_finder(vigia_exe, work):
    """Plugin, provider, algorithm ids, version, the executable finder."""
    import vigia as plugin_package
    from vigia import runner
    plugin = plugin_package.classFactory(None)
    plugin.initProcessing()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("vigia")
    if not check(provider is not None, "provider 'vigia' is not registered after initProcessing()"):
        return plugin
    check(provider.name() == "vigia", f"provider name is {provider.name()!r}")
    ids = sorted(a.id() for a in provider.algorithms())
    for alg_id in EXPECTED_IDS:
        check(alg_id in ids, f"algorithm {alg_id} is missing (have {ids})")
    check(len(ids) == len(EXPECTED_IDS), f"unexpected algorithms: {sorted(set(ids) - set(EXPECTED_IDS))}")
    for alg_id in EXPECTED_IDS:
        alg = registry.algorithmById(alg_id)
        if alg is not None:
            check(alg.shortHelpString() and alg.group(), f"{alg_id}: no help text or group")
    version_line = subprocess.run([vigia_exe, "--version"], capture_output=True,
                                  text=True).stdout.strip()
    check(runner.parse_version(version_line) is not None and
          runner.plugin_version() == ".".join(map(str, runner.parse_version(version_line))),
          f"plugin version {runner.plugin_version()} is not vigia's ({version_line})")

    # The finder: VIGIA_EXECUTABLE is what this test sets.
    path, where = runner.find_executable()
    check(os.path.samefile(path, vigia_exe) and "VIGIA_EXECUTABLE" in where,
          f"finder chose {path} ({where}), expected {vigia_exe} from VIGIA_EXECUTABLE")
    # The setting comes first.
    fake_dir = os.path.join(work, "fake_bin")
    os.makedirs(fake_dir)
    old = os.path.join(fake_dir, "vigia")
    with open(old, "w") as f:
        f.write("#!/bin/sh\necho '0.0.9 (git 0000000)'\n")
    os.chmod(old, os.stat(old).st_mode | stat.S_IXUSR)
    QgsSettings().setValue(runner.SETTINGS_KEY, old)
    try:
        path, where = runner.find_executable()
        check(path == old and "setting" in where, f"the QGIS setting is not looked in first ({where})")
        try:
            runner.vigia_executable()
            check(False, "an old vigia (0.0.9) was accepted")
        except QgsProcessingException as e:
            check("0.0.9" in str(e) and old in str(e), f"old-version error does not name it: {e}")
    finally:
        QgsSettings().remove(runner.SETTINGS_KEY)
    # Nothing anywhere: every place is named.
    saved_env, saved_path = os.environ.pop("VIGIA_EXECUTABLE"), os.environ.get("PATH", "")
    os.environ["PATH"] = fake_dir + "_none"
    try:
        runner.find_executable()
        check(False, "finder found a vigia with nothing configured")
    except QgsProcessingException as e:
        message = str(e)
        for place in ["vigia/executable", "VIGIA_EXECUTABLE", os.path.join("bin", "vigia"), "PATH"]:
            check(place in message, f"not-found error does not name {place}: {message}")
    finally:
        os.environ["VIGIA_EXECUTABLE"] = saved_env
        os.environ["PATH"] = saved_path
    return plugin


def check_viewshed(processing, vigia_exe, dem, dem_path, work):
    out = os.path.join(work, "qgis_viewshed.tif")
    results, fb = run_alg(processing, "vigia:viewshed", {
        "DEM": dem, "OBSERVER": "-70.5,-32.5 [EPSG:4326]", "ALTITUDE": 1500,
        "MAX_DISTANCE": 20000, "OUTPUT": out})
    if results is None:
        return
    check(results.get("OUTPUT") == out, f"viewshed: OUTPUT is {results.get('OUTPUT')}")
    check(fb.commands and "--observer -70.5,-32.5" in fb.commands[0],
          f"viewshed: command line {fb.commands}")
    layer = QgsRasterLayer(out, "viewshed")
    if check(layer.isValid(), "viewshed: the output is not a valid raster layer"):
        check(layer.crs().authid() == "EPSG:4326", f"viewshed: CRS {layer.crs().authid()}")
        check(on_grid_of(layer, dem), "viewshed: the output is not on the DEM's grid")
    arrays = raster_summary(out)[0]
    values = set(int(v) for v in set(arrays[0].ravel().tolist()))
    check(values <= {0, 1, 255}, f"viewshed: values {sorted(values)} beyond 0/1/255")
    check((arrays[0] == 1).sum() > 1000, "viewshed: fewer than 1000 visible cells")
    cli = os.path.join(work, "cli_viewshed.tif")
    run_cli(vigia_exe, ["viewshed", dem_path, cli, "--observer", "-70.5,-32.5", "--altitude", "1500",
                        "--max-distance", "20000", "-q"])
    same_raster(out, cli, "viewshed")

    # The same observer given in UTM 19S reaches vigia as the same lon/lat.
    utm = QgsCoordinateReferenceSystem("EPSG:32719")
    to_utm = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), utm, QgsProject.instance())
    p = to_utm.transform(QgsPointXY(-70.5, -32.5))
    out_utm = os.path.join(work, "qgis_viewshed_utm.tif")
    results, fb = run_alg(processing, "vigia:viewshed", {
        "DEM": dem, "OBSERVER": f"{p.x()!r},{p.y()!r} [EPSG:32719]", "ALTITUDE": 1500,
        "MAX_DISTANCE": 20000, "OUTPUT": out_utm})
    if results is not None and fb.commands:
        lon, lat = (float(v) for v in option_value(fb.commands[0], "--observer").split(","))
        check(abs(lon + 70.5) < 1e-7 and abs(lat + 32.5) < 1e-7,
              f"viewshed: a UTM observer reached vigia as {lon},{lat}, not -70.5,-32.5")
        same_raster(out_utm, cli, "viewshed from a UTM point")


def check_corridor(processing, vigia_exe, dem, border, territory, paths, work):
    dem_path, border_path, territory_path = paths
    cli_dir = os.path.join(work, "cli_corridor")
    run_cli(vigia_exe, ["corridor", dem_path, "--border", border_path, "--own-territory",
                        territory_path, "--own-where", "A3 = 'CHL'", "--out", cli_dir, "-q"])
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    out = os.path.join(work, "qgis_corridor")
    results, fb = run_alg(processing, "vigia:corridor", {
        "DEM": dem, "BORDER": border, "OWN_TERRITORY": territory, "OWN_WHERE": "A3 = 'CHL'",
        "OUTPUT": out}, context=context)
    if results is None:
        return
    command = fb.commands[0] if fb.commands else ""
    check(option_value(command, "--border") == border_path and
          option_value(command, "--own-territory") == territory_path,
          f"corridor: file layers were not passed by their source: {command}")
    gpkg = os.path.join(out, "corridor.gpkg")
    for name in ["corridor", "airspace", "border"]:
        # vigia computes geometry in the DEM's metric frame: UTM 19S for this tile.
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
        if check(layer.isValid(), f"corridor: layer {name} is not valid"):
            check(layer.featureCount() > 0, f"corridor: layer {name} is empty")
            check(layer.crs().authid() == "EPSG:32719", f"corridor: {name} CRS {layer.crs().authid()}")
    check(QgsVectorLayer(results.get("CORRIDOR", ""), "c", "ogr").isValid(),
          f"corridor: CORRIDOR output {results.get('CORRIDOR')} is not a valid layer")
    weights = QgsRasterLayer(os.path.join(out, "corridor_weights.tif"), "w")
    check(weights.isValid() and weights.crs().authid() == "EPSG:4326",
          "corridor: corridor_weights.tif is not a valid EPSG:4326 raster")
    same_gpkg(gpkg, os.path.join(cli_dir, "corridor.gpkg"), "corridor.gpkg")
    for tif in ["corridor_weights.tif", "airspace_band.tif"]:
        same_raster(os.path.join(out, tif), os.path.join(cli_dir, tif), tif)
    to_load = list(context.layersToLoadOnCompletion().keys())
    check(any(k.endswith("corridor.gpkg|layername=corridor") for k in to_load) and
          any(k.endswith("corridor_weights.tif") for k in to_load),
          f"corridor: its outputs are not set to load into the project: {to_load}")

    # A filtered layer is exported to a GeoPackage and still gives the CLI's corridor.
    filtered = territory.clone()
    filtered.setSubsetString("\"A3\" = 'CHL'")
    out_f = os.path.join(work, "qgis_corridor_filtered")
    results, fb = run_alg(processing, "vigia:corridor", {
        "DEM": dem, "BORDER": border, "OWN_TERRITORY": filtered, "OUTPUT": out_f,
        "LOAD_OUTPUTS": False})
    if results is not None:
        own = option_value(fb.commands[0], "--own-territory") if fb.commands else ""
        check(own and own.endswith(".gpkg") and own != territory_path,
              f"corridor: a filtered layer was not exported ({own})")
        same_gpkg(os.path.join(out_f, "corridor.gpkg"), os.path.join(cli_dir, "corridor.gpkg"),
                  "corridor from a filtered layer")


def check_plan(processing, scenario, work, shots):
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import QgsApplication as App
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    out = os.path.join(work, "qgis_plan")
    params = {"SCENARIO": scenario, "OUTPUT": out, "ROUNDS": ROUNDS}
    results, fb = run_alg(processing, "vigia:plan", params, context=context)
    if results is None:
        return None
    check(os.path.isfile(os.path.join(out, "plan.qgs")), "plan: no plan.qgs in the package")
    check(results.get("PROJECT") == os.path.join(out, "plan.qgs"), f"plan: PROJECT {results.get('PROJECT')}")
    routes = QgsVectorLayer(os.path.join(out, "plan.gpkg") + "|layername=routes", "routes", "ogr")
    if check(routes.isValid(), "plan: routes layer not valid"):
        check(routes.featureCount() > 0, "plan: routes layer has no features")
        check(routes.crs().authid() == "EPSG:4326", f"plan: routes CRS {routes.crs().authid()}")
    coverage = QgsRasterLayer(os.path.join(out, "coverage.tif"), "coverage")
    check(coverage.isValid() and coverage.crs().authid() == "EPSG:4326",
          "plan: coverage.tif is not a valid EPSG:4326 raster")
    check(isinstance(results.get("COVERAGE_PERCENT"), float) and
          20 < results["COVERAGE_PERCENT"] <= 100,
          f"plan: COVERAGE_PERCENT {results.get('COVERAGE_PERCENT')}")
    check(any("visible sets" in t for t in fb.texts) and any("writing the package" in t for t in fb.texts),
          f"plan: progress stages did not reach the feedback ({fb.texts[:5]}...)")
    check(100 in fb.percents and any(0 < p < 100 for p in fb.percents),
          "plan: progress percentages did not reach the feedback")
    check(fb.commands and f"--rounds {ROUNDS}" in fb.commands[0], f"plan: command {fb.commands}")

    # Load the package's layers as the Processing dialog does when the run ends.
    alg = App.processingRegistry().algorithmById("vigia:plan")
    handleAlgorithmResults(alg, context, fb, False, params)
    project = QgsProject.instance()
    loaded = {l.name(): l for l in project.mapLayers().values()}
    for name in ["routes", "waypoints", "observation_points", "bases", "corridor", "coverage",
                 "hillshade"]:
        check(name in loaded, f"plan: layer {name} was not loaded into the project")
    if "routes" not in loaded:
        return None
    symbol = loaded["routes"].renderer().symbol() if hasattr(loaded["routes"].renderer(), "symbol") else None
    check(symbol is not None and symbol.color().name() == "#c81e1e",
          "plan: the routes layer did not get vigia's stored style (layer_styles)")
    if "coverage" in loaded:
        check(loaded["coverage"].renderer().type() == "singlebandpseudocolor",
              f"plan: coverage got renderer {loaded['coverage'].renderer().type()}, not plan.qgs's")
    order = [n.layer().name() for n in project.layerTreeRoot().findLayers()]
    if all(n in order for n in ["routes", "coverage", "hillshade"]):
        check(order.index("routes") < order.index("coverage") < order.index("hillshade"),
              f"plan: layer order {order} is not plan.qgs's")
    visible = {n.layer().name(): n.isVisible() for n in project.layerTreeRoot().findLayers()}
    check(visible.get("routes") and not visible.get("candidates", False),
          f"plan: visibility not plan.qgs's ({visible})")
    render_plan(project, loaded["routes"], shots)
    return out


def render_plan(project, routes, shots):
    """Renders the plan's visible layers as loaded (the tree's order, the project's
    input layers left out); the routes' red must show at their vertices."""
    settings = QgsMapSettings()
    settings.setLayers([n.layer() for n in project.layerTreeRoot().findLayers()
                        if n.isVisible() and n.layer().customProperty("vigia/run")])
    crs = routes.crs()
    settings.setDestinationCrs(crs)
    extent = routes.extent()
    extent.scale(1.15)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(1000, 900))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    if shots:
        check(image.save(os.path.join(shots, "qgis_plan_result.png")), "cannot save the plan rendering")
    m2p = settings.mapToPixel()
    hits = total = 0
    for feature in routes.getFeatures():
        vertices = list(feature.geometry().vertices())
        for v in vertices[:: max(1, len(vertices) // 200)]:
            p = m2p.transform(QgsPointXY(v.x(), v.y()))
            x, y = int(round(p.x())), int(round(p.y()))
            if not (1 <= x < image.width() - 1 and 1 <= y < image.height() - 1):
                continue
            total += 1
            hits += any(QColor(image.pixel(x + dx, y + dy)).red() > 150 and
                        QColor(image.pixel(x + dx, y + dy)).green() < 90 and
                        QColor(image.pixel(x + dx, y + dy)).blue() < 90
                        for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    check(total > 20 and hits / total >= 0.9,
          f"plan rendering: route colour at {hits} of {total} route vertices (need 90 %)")


def load_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def memory_points(name, fields, rows):
    """A memory point layer in WGS 84 with ``fields`` [(name, QVariant type)] and
    ``rows`` [(lon, lat, attributes...)]."""
    layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField(n, t) for n, t in fields])
    layer.updateFields()
    for lon, lat, *attributes in rows:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        f.setAttributes(list(attributes))
        provider.addFeature(f)
    layer.updateExtents()
    return layer


def check_plan_from_layers(processing, dem, border, territory, sample_package, work):
    """The sample scenario's settings given as layers and parameters give the sample's plan."""
    sample = load_toml(os.path.join(os.path.dirname(dem.source()), "sample_scenario.toml"))
    bases = memory_points("bases", [("name", QVariant.String)],
                          [(b["lon"], b["lat"], b["name"]) for b in sample["bases"]])
    stations = memory_points("stations", [("name", QVariant.String), ("antenna_agl", QVariant.Double)],
                             [(s["lon"], s["lat"], s["name"], float(s["antenna_m"]))
                              for s in sample["stations"]])
    filtered = territory.clone()
    filtered.setSubsetString("\"A3\" = 'CHL'")
    out = os.path.join(work, "qgis_plan_from_layers")
    scenario_file = os.path.join(work, "from_layers.toml")
    tasks = ["person-detect", "person-recognise", "person-identify", "vehicle-detect",
             "vehicle-recognise", "vehicle-identify"]
    params = {
        "DEM": dem, "BORDER": border, "OWN_TERRITORY": filtered, "BASES": bases,
        "BASE_NAME_FIELD": "name", "STATIONS": stations, "AIRCRAFT": 0,
        "COUNT": sample["aircraft"]["count"], "ENDURANCE_H": sample["aircraft"]["endurance_h"],
        "TASK": tasks.index(sample["sensor"]["task"]), "OBJECTIVE": 0,
        "SPACING_KM": sample["candidates"]["spacing_km"], "TIERS": sample["candidates"]["tiers"],
        "AGGREGATE": sample["candidates"]["aggregate"], "POINTS": sample["candidates"]["points"],
        "LOITER_MIN": sample["mission"]["loiter_min"], "TIME_LIMIT": sample["mission"]["time_limit_s"],
        "SEED": sample["mission"]["seed"], "ROUNDS": ROUNDS, "NAME": "from layers",
        "SCENARIO_FILE": scenario_file, "OUTPUT": out, "LOAD_OUTPUTS": False}
    results, fb = run_alg(processing, "vigia:planfromlayers", params)
    if results is None:
        return
    written = load_toml(scenario_file)
    check(written["bases"][0]["name"] == "Los Andes" and abs(written["bases"][0]["lon"] + 70.61) < 1e-9,
          f"planfromlayers: [[bases]] written as {written.get('bases')}")
    check(written["own_side"]["territory"].endswith(".gpkg"),
          "planfromlayers: the filtered territory layer was not exported")
    check(os.path.isfile(os.path.join(out, "plan.qgs")), "planfromlayers: no plan.qgs")
    if sample_package is None:
        return
    mine = load_json(os.path.join(out, "report.json"))
    ref = load_json(os.path.join(sample_package, "report.json"))
    for key in ["coverage_by_weight", "km_flown", "flight_hours"]:
        a, b = mine.get("sorties", {}).get(key), ref.get("sorties", {}).get(key)
        check(a is not None and a == b, f"planfromlayers: sorties {key} {a}, the sample scenario's {b}")
    check(mine["area"] == ref["area"], "planfromlayers: area figures differ from the sample's")


def check_mission_check(processing, dem, package):
    mission = os.path.join(package, "aircraft_1.plan")
    results, fb = run_alg(processing, "vigia:check", {"MISSION": mission, "DEM": dem,
                                                      "VIOLATIONS": "TEMPORARY_OUTPUT"})
    if results is not None:
        check(results.get("SAFE") is True, f"check: the plan's mission is not SAFE ({results})")
        check("SAFE" in results.get("VERDICT", ""), f"check: verdict {results.get('VERDICT')}")
    results, fb = run_alg(processing, "vigia:check", {"MISSION": mission, "DEM": dem,
                                                      "CLEARANCE": 1000})
    if results is not None:
        check(results.get("SAFE") is False, "check: clearance 1000 m did not make the mission UNSAFE")


def check_other_commands(processing, vigia_exe, dem, border, territory, work):
    """coverage (against the CLI), link, select and route from memory layers: they run
    and give the layers they should (kept small: a few points, few rounds)."""
    observers = memory_points("observers", [("alt", QVariant.Double)],
                              [(-70.5, -32.5, 1500.0), (-70.3, -32.6, 2000.0)])
    out = os.path.join(work, "qgis_coverage.tif")
    results, fb = run_alg(processing, "vigia:coverage", {
        "DEM": dem, "OBSERVERS": observers, "ALTITUDE_FIELD": "alt", "MAX_DISTANCE": 30000,
        "OUTPUT": out})
    if results is not None:
        csv = os.path.join(work, "observers.csv")
        with open(csv, "w") as f:
            f.write("-70.5,-32.5,1500\n-70.3,-32.6,2000\n")
        cli = os.path.join(work, "cli_coverage.tif")
        run_cli(vigia_exe, ["coverage", dem.source(), cli, "--observers", csv, "--max-distance",
                            "30000", "-q"])
        same_raster(out, cli, "coverage")
        counts = set(raster_summary(out)[0][0].ravel().tolist())
        check({0, 1, 2} <= counts, f"coverage: counts {sorted(counts)[:6]} lack 0, 1 or 2")

    stations = memory_points("stations", [("name", QVariant.String), ("antenna_agl", QVariant.Double)],
                             [(-70.62, -32.84, "Los Andes GCS", 15.0)])
    out = os.path.join(work, "qgis_link")
    results, fb = run_alg(processing, "vigia:link", {
        "DEM": dem, "STATIONS": stations, "AT_ALTITUDES": "3000, 4500", "OUTPUT": out})
    if results is not None:
        for name in ["link_lowest_altitude.tif", "link_station.tif", "link_at_3000m.tif",
                     "link_at_4500m.tif"]:
            layer = QgsRasterLayer(os.path.join(out, name), name)
            check(layer.isValid() and layer.crs().authid() == "EPSG:4326",
                  f"link: {name} is not a valid EPSG:4326 raster")

    no_fly = QgsVectorLayer("Polygon?crs=EPSG:4326", "no_fly", "memory")
    town = QgsFeature()
    town.setGeometry(QgsGeometry.fromWkt("POLYGON((-70.65 -32.85, -70.55 -32.85, -70.55 -32.75, "
                                         "-70.65 -32.75, -70.65 -32.85))"))
    no_fly.dataProvider().addFeature(town)
    out = os.path.join(work, "qgis_select")
    results, fb = run_alg(processing, "vigia:select", {
        "DEM": dem, "BORDER": border, "OWN_TERRITORY": territory, "OWN_WHERE": "A3 = 'CHL'",
        "NO_FLY": [no_fly], "AGGREGATE": 3, "COUNT": 3, "TIME_LIMIT": 1, "OUTPUT": out,
        "LOAD_OUTPUTS": False})
    if results is not None:
        no_fly_file = option_value(fb.commands[0], "--no-fly") if fb.commands else None
        check(no_fly_file and no_fly_file.endswith(".gpkg") and
              QgsVectorLayer(no_fly_file, "n", "ogr").featureCount() == 1,
              f"select: the memory no-fly layer was not exported ({no_fly_file})")
        points = QgsVectorLayer(results.get("POINTS", ""), "points", "ogr")
        check(points.isValid() and points.featureCount() == 3,
              f"select: POINTS {results.get('POINTS')} is not a layer of 3 points")

    bases = memory_points("bases", [("heading", QVariant.Double)], [(-70.61, -32.83, 80.0)])
    out = os.path.join(work, "qgis_route")
    results, fb = run_alg(processing, "vigia:route", {
        "DEM": dem, "BORDER": border, "OWN_POINT": "-70.7,-32.7 [EPSG:4326]", "BASES": bases,
        "RUNWAY_HEADING_FIELD": "heading", "AGGREGATE": 3, "POINTS": 6, "ROUNDS": 2,
        "ENDURANCE_H": 3, "OUTPUT": out, "LOAD_OUTPUTS": False})
    if results is not None:
        command = fb.commands[0] if fb.commands else ""
        check(option_value(command, "--base") == "-70.61,-32.83" and
              option_value(command, "--runway-heading") == "80",
              f"route: base or runway heading not passed as given: {command}")
        routes = QgsVectorLayer(results.get("ROUTES", ""), "routes", "ogr")
        check(routes.isValid() and routes.featureCount() > 0, "route: no routes")


def check_cancel(processing, scenario, work):
    out = os.path.join(work, "cancel_plan")
    fb = CancelDuringRun()
    start = time.monotonic()
    try:
        processing.run("vigia:plan", {"SCENARIO": scenario, "OUTPUT": out, "ROUNDS": 100},
                       feedback=fb)
        check(False, "cancel: the cancelled plan returned results instead of raising")
    except QgsProcessingException as e:
        check("ancel" in str(e), f"cancel: the exception does not say cancelled: {e}")
    end = time.monotonic()
    check(fb.cancelled_at is not None, "cancel: the feedback never cancelled (no progress seen)")
    if fb.cancelled_at is not None:
        check(end - fb.cancelled_at < 10, f"cancel: vigia took {end - fb.cancelled_at:.1f} s to stop")
    check(end - start < 60, f"cancel: the run took {end - start:.0f} s")
    left = glob.glob(out + "*")
    check(not left, f"cancel: left behind {left}")


def check_bad_input(processing, dem):
    fb = Recorder()
    try:
        processing.run("vigia:viewshed", {"DEM": dem, "OBSERVER": "-69.5,-32.5 [EPSG:4326]",
                                          "ALTITUDE": 1500, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb)
        check(False, "bad input: an observer outside the DEM did not raise")
    except QgsProcessingException as e:
        message = str(e)
        check(message.startswith("vigia: error: --observer") and "outside the DEM" in message,
              f"bad input: the exception is not vigia's line: {message!r}")
        check(any(message in err for err in fb.errors), "bad input: vigia's line was not reported")
    fb = Recorder()
    try:
        processing.run("vigia:viewshed", {"DEM": dem, "OBSERVER": "-70.5,-32.5 [EPSG:4326]",
                                          "ALTITUDE": -600, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb)
        check(False, "bad input: altitude -600 m (below the -500 m minimum) did not raise")
    except QgsProcessingException as e:
        check("ALTITUDE" in str(e), f"bad input: the altitude error does not name ALTITUDE: {e}")
        check(not fb.commands, "bad input: vigia was run with an out-of-range altitude")
    # A DEM whose CRS was set in QGIS only: vigia would read the file's own CRS and put
    # the DEM elsewhere, so the algorithm refuses it before running vigia.
    moved = QgsRasterLayer(dem.source(), "dem with a CRS set in QGIS")
    moved.setCrs(QgsCoordinateReferenceSystem("EPSG:32719"))
    fb = Recorder()
    try:
        processing.run("vigia:viewshed", {"DEM": moved, "OBSERVER": "-70.5,-32.5 [EPSG:4326]",
                                          "ALTITUDE": 1500, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb)
        check(False, "bad input: a DEM whose CRS was set only in QGIS did not raise")
    except QgsProcessingException as e:
        check("its file says EPSG:4326" in str(e), f"bad input: the CRS error is unclear: {e}")
        check(not fb.commands, "bad input: vigia was run on a DEM with a CRS set only in QGIS")


ZIP_LOADER = """
import os, sys
sys.path.insert(0, "/usr/share/qgis/python/plugins")
sys.path.insert(0, sys.argv[1])
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
import qgis.utils
qgis.utils.plugin_paths = [sys.argv[1]]
qgis.utils.updateAvailablePlugins()
ok = ("vigia" in qgis.utils.available_plugins and qgis.utils.loadPlugin("vigia")
      and qgis.utils.startProcessingPlugin("vigia"))
provider = QgsApplication.processingRegistry().providerById("vigia")
print("loaded", len(provider.algorithms()) if ok and provider else 0, flush=True)
app.exitQgis()
os._exit(0)
"""


def check_zip(vigia_exe, work):
    """scripts/build_qgis_plugin.sh with a bundled vigia, unpacked as QGIS's "Install
    from ZIP" unpacks it (pyplugin_installer's unzip, which drops Unix permissions):
    one vigia/ folder with valid metadata, and with nothing configured the plugin runs
    the bundled bin/vigia."""
    import configparser
    import importlib.util
    zip_path = os.path.join(work, "vigia-qgis-plugin.zip")
    built = subprocess.run([os.path.join(REPO, "scripts", "build_qgis_plugin.sh"), zip_path, vigia_exe],
                           capture_output=True, text=True)
    if not check(built.returncode == 0 and os.path.isfile(zip_path),
                 f"build_qgis_plugin.sh failed: {built.stderr.strip()}"):
        return
    spec = importlib.util.spec_from_file_location(
        "qgis_unzip", "/usr/share/qgis/python/pyplugin_installer/unzip.py")
    unzip = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unzip)
    plugins = os.path.join(work, "zip_install")
    unzip.unzip(zip_path, plugins)
    check(os.listdir(plugins) == ["vigia"], f"zip: holds {os.listdir(plugins)}, not one vigia/ folder")
    root = os.path.join(plugins, "vigia")
    for name in ["__init__.py", "metadata.txt", "provider.py", "icon.svg", "bin/vigia"]:
        check(os.path.isfile(os.path.join(root, name)), f"zip: vigia/{name} missing")
    check(not glob.glob(os.path.join(root, "**", "__pycache__"), recursive=True), "zip: holds __pycache__")
    meta = configparser.ConfigParser()
    meta.read(os.path.join(root, "metadata.txt"))
    general = meta["general"] if meta.has_section("general") else {}
    for key, value in [("name", "vigia"), ("qgisMinimumVersion", "3.22"), ("author", "vigia"),
                       ("hasProcessingProvider", "yes"), ("category", "Analysis")]:
        check(general.get(key) == value, f"metadata.txt: {key} is {general.get(key)!r}, not {value!r}")
    for key in ["description", "about", "version"]:
        check(general.get(key), f"metadata.txt: no {key}")
    # QGIS's own plugin loader (qgis.utils, as the QGIS window and qgis_process use it)
    # starts the unpacked plugin's Processing part, in a process of its own.
    loader = subprocess.run(["/usr/bin/python3", "-c", ZIP_LOADER, plugins], capture_output=True,
                            text=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), timeout=120)
    line = loader.stdout.strip().splitlines()[-1] if loader.stdout.strip() else ""
    check(line == f"loaded {len(EXPECTED_IDS)}",
          f"zip: qgis.utils did not start the plugin's provider: {line!r} {loader.stderr.strip()[-300:]}")
    spec = importlib.util.spec_from_file_location("zip_runner", os.path.join(root, "runner.py"))
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    saved_env, saved_path = os.environ.pop("VIGIA_EXECUTABLE"), os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.join(work, "no_such_dir")
    try:
        path, where, version = runner.vigia_executable()
        check(path == os.path.join(root, "bin", "vigia") and "bin" in where,
              f"zip: the bundled vigia was not chosen ({path}, {where})")
    except QgsProcessingException as e:
        check(False, f"zip: the bundled vigia cannot be run: {e}")
    finally:
        os.environ["VIGIA_EXECUTABLE"] = saved_env
        os.environ["PATH"] = saved_path


def dialog_log(dialog):
    """The text of the dialog's log (and help) panes."""
    from qgis.PyQt.QtWidgets import QTextEdit
    return "\n".join(w.toPlainText() for w in dialog.findChildren(QTextEdit))


def run_dialog(alg_id, params, cancel_when=None, timeout=90):
    """Runs an algorithm the way a user does: its Processing dialog, the algorithm in a
    background task, the layers loaded when it ends. ``cancel_when(log)``: presses
    Cancel once it returns True. Returns the dialog once the run has ended."""
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    dialog = AlgorithmDialog(QgsApplication.processingRegistry().createAlgorithmById(alg_id),
                             False, None)
    dialog.setParameters(params)
    dialog.show()
    dialog.runAlgorithm()
    start = time.monotonic()
    cancelled = False
    while getattr(dialog, "feedback", None) is not None and time.monotonic() - start < timeout:
        QgsApplication.processEvents()
        if cancel_when and not cancelled and cancel_when(dialog_log(dialog)):
            dialog.cancelButton().click()
            cancelled = True
        time.sleep(0.02)
    QgsApplication.processEvents()
    check(getattr(dialog, "feedback", None) is None, f"dialog {alg_id}: did not end in {timeout} s")
    return dialog


def check_dialog(dem, border, territory, scenario, work, shots):
    """The Processing dialog path: a corridor run in a background task whose layers
    are loaded, and a plan cancelled with the dialog's Cancel button."""
    out = os.path.join(work, "dialog_corridor")
    dialog = run_dialog("vigia:corridor", {"DEM": dem, "BORDER": border, "OWN_TERRITORY": territory,
                                           "OWN_WHERE": "A3 = 'CHL'", "OUTPUT": out})
    log = dialog_log(dialog)
    check("Execution completed" in log, f"dialog corridor: not completed: {log[-400:]}")
    check("vigia corridor" in log and "--own-where" in log, "dialog corridor: no command line in the log")
    check("vigia 0." in log and "plugin " in log, "dialog corridor: the log does not say which vigia ran")
    loaded = [l for l in QgsProject.instance().mapLayers().values() if l.source().startswith(out)]
    check(len(loaded) == 5, f"dialog corridor: {len(loaded)} layers loaded, expected 5 "
                            "(border, corridor, airspace, two rasters)")
    dialog.close()

    out = os.path.join(work, "dialog_cancel_plan")
    dialog = run_dialog("vigia:plan", {"SCENARIO": scenario, "OUTPUT": out, "ROUNDS": 100},
                        cancel_when=lambda log: "visible sets" in log)
    log = dialog_log(dialog)
    check("Cancelled: vigia stopped (exit 130)" in log,
          f"dialog cancel: the log does not say vigia stopped: {log[-400:]}")
    check(not glob.glob(out + "*"), f"dialog cancel: left behind {glob.glob(out + '*')}")
    dialog.close()

    out = os.path.join(work, "dialog_plan")
    dialog = run_dialog("vigia:plan", {"SCENARIO": scenario, "OUTPUT": out, "ROUNDS": 2,
                                       "LOAD_OUTPUTS": False})
    check(os.path.isfile(os.path.join(out, "plan.qgs")), "dialog plan: no package")
    if shots:
        from qgis.PyQt.QtGui import QTextCursor, QTextDocument
        from qgis.PyQt.QtWidgets import QTextEdit
        dialog.resize(1000, 760)
        dialog.showLog()
        for edit in dialog.findChildren(QTextEdit):  # show the log from vigia's command line
            edit.moveCursor(QTextCursor.End)
            if edit.find("vigia 0.", QTextDocument.FindBackward):
                edit.ensureCursorVisible()
                cursor = edit.textCursor()
                cursor.clearSelection()
                edit.setTextCursor(cursor)
        QgsApplication.processEvents()
        check(dialog.grab().save(os.path.join(shots, "qgis_plan_dialog.png")),
              "cannot save the dialog image")
    dialog.close()


def toolbox_screenshot(shots):
    """The Processing toolbox with the vigia provider expanded; also checks the
    toolbox lists every vigia algorithm under the provider."""
    from qgis.gui import QgsGui, QgsProcessingToolboxTreeView
    view = QgsProcessingToolboxTreeView(None, QgsApplication.processingRegistry(),
                                        QgsGui.instance().processingRecentAlgorithmLog())
    view.setHeaderHidden(True)
    model = view.model()
    provider_index = None
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if model.data(index) == "vigia":
            provider_index = index
        else:
            view.collapse(index)
    if not check(provider_index is not None, "toolbox: no 'vigia' provider node"):
        return
    names = []

    def expand(index):
        view.expand(index)
        for r in range(model.rowCount(index)):
            child = model.index(r, 0, index)
            if model.rowCount(child):
                expand(child)
            else:
                names.append(model.data(child))
    expand(provider_index)
    check(len(names) == len(EXPECTED_IDS), f"toolbox: vigia lists {len(names)} algorithms: {names}")
    if shots:
        view.resize(460, 620)
        view.show()
        view.scrollTo(provider_index, view.PositionAtTop)
        QgsApplication.processEvents()
        check(view.grab().save(os.path.join(shots, "qgis_toolbox.png")), "cannot save the toolbox image")
        view.hide()


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    vigia_exe, data, work = (os.path.abspath(a) for a in sys.argv[1:4])
    shots = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else None
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if shots:
        os.makedirs(shots, exist_ok=True)
    os.environ["VIGIA_EXECUTABLE"] = vigia_exe
    runtime = os.path.join(work, "runtime")
    os.makedirs(runtime, mode=0o700)
    os.environ["XDG_RUNTIME_DIR"] = runtime  # Qt wants a private one
    # Settings and a profile of its own: the user's QGIS settings (e.g. vigia/executable)
    # stay out, and what the test sets stays in WORK_DIR.
    QCoreApplication.setOrganizationName("vigia-test")
    QCoreApplication.setApplicationName("test_processing")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, os.path.join(work, "settings"))
    app = QgsApplication([], True, os.path.join(work, "profile"))
    check(QgsSettings().fileName().startswith(work), f"settings go to {QgsSettings().fileName()}")
    app.initQgis()
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing

    started = time.monotonic()
    run_checks(processing, vigia_exe, data, work, shots)
    print(json.dumps({"seconds": round(time.monotonic() - started, 1), "failures": len(failures),
                      "screenshots": shots}))
    for f in failures:
        print("FAIL: " + f)
    # Every layer and Processing object goes before QGIS does. QGIS 3.22 keeps the
    # frames of an exception a Python algorithm raised (and the layers their locals
    # hold) referenced for good; a layer destroyed after exitQgis() crashes Python's
    # teardown, so the process ends without it once QGIS has exited.
    QgsProject.instance().clear()
    gc.collect()
    app.exitQgis()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failures else 0)


def run_checks(processing, vigia_exe, data, work, shots):
    plugin = check_plugin_and_finder(vigia_exe, work)
    dem_path = os.path.join(data, "S33W071_srtm3.tif")
    border_path = os.path.join(data, "chile_argentina_border_osm_S33W071.geojson")
    territory_path = os.path.join(data, "countries_S33W071_osm.geojson")
    scenario = os.path.join(data, "sample_scenario.toml")
    dem = QgsRasterLayer(dem_path, "dem")
    border = QgsVectorLayer(border_path, "border", "ogr")
    territory = QgsVectorLayer(territory_path, "territory", "ogr")
    # Project layers, as an analyst's are; the project owns them. (QGIS 3.22 keeps the
    # frames of an exception a Python algorithm raised referenced, with the parameters
    # they hold: a layer the test owned would then outlive exitQgis() and crash the
    # interpreter's teardown; the project deletes its layers in clear().)
    QgsProject.instance().addMapLayers([dem, border, territory])
    if all(check(l.isValid(), f"sample layer {l.name()} not valid") for l in (dem, border, territory)):
        check_viewshed(processing, vigia_exe, dem, dem_path, work)
        check_corridor(processing, vigia_exe, dem, border, territory,
                       (dem_path, border_path, territory_path), work)
        package = check_plan(processing, scenario, work, shots)
        check_plan_from_layers(processing, dem, border, territory, package, work)
        if package:
            check_mission_check(processing, dem, package)
        check_other_commands(processing, vigia_exe, dem, border, territory, work)
        check_cancel(processing, scenario, work)
        check_bad_input(processing, dem)
        check_dialog(dem, border, territory, scenario, work, shots)
    check_zip(vigia_exe, work)
    toolbox_screenshot(shots)
    plugin.unload()
    check(QgsApplication.processingRegistry().providerById("vigia") is None,
          "unload() left the provider registered")


if __name__ == "__main__":
    sys.exit(main())
