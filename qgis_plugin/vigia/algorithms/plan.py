"""vigia:plan (a scenario file) and vigia:planfromlayers (a scenario written from layers
and parameters): the whole mission package of `vigia plan` (docs/plan.md).

Output folder rule (vigia's, docs/cli.md): the package folder must not exist, or,
with OVERWRITE, must be a package vigia wrote. An existing empty folder (what a
folder dialog makes) counts as free: it is removed before vigia runs and put back
if the run fails or is cancelled. vigia builds the package beside the folder and
moves it into place only when complete, so a cancelled run leaves nothing.
"""
import json
import os

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputFile,
                       QgsProcessingOutputNumber, QgsProcessingOutputRasterLayer,
                       QgsProcessingOutputVectorLayer, QgsProcessingParameterFeatureSource,
                       QgsProcessingParameterField, QgsProcessingParameterFile,
                       QgsProcessingParameterFileDestination,
                       QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterMultipleLayers, QgsProcessingParameterRasterLayer,
                       QgsProcessingParameterString)

from .. import layers, runner, scenario
from .base import (AIRCRAFT, INT_MAX, TASK_DEFAULT, TASKS, VigiaAlgorithm, advanced, given,
                   output_folder, prepare_output_folder, restore_output_folder)

OBJECTIVES = [("coverage: sorties maximising the corridor seen", "coverage"),
              ("persistent: one patrol cycle flown continuously", "persistent")]


class PlanAlgorithm(VigiaAlgorithm):
    NAME = "plan"
    COMMAND = "plan"
    DISPLAY = "Plan a mission from a scenario file"
    GROUP = "Planning"
    GROUP_ID = "planning"
    HELP = ("The whole job from one scenario file (docs/scenario.md): corridor, airspace, "
            "datalink, observation points, routes or a persistent patrol, and the mission "
            "package: plan.qgs, plan.gpkg (styled), coverage COGs, KMZ, QGroundControl "
            "missions, report. The package's layers are opened as plan.qgs shows them.<br>"
            "Runs <code>vigia plan SCENARIO.toml --out DIR</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            "SCENARIO", "Scenario file", extension="toml"))
        self.add_plan_options(scenario_defaults=True)

    def add_plan_options(self, scenario_defaults):
        """Overrides of `vigia plan` and the output folder. With a scenario file the
        optimiser's rounds and time limit default to the scenario's (empty)."""
        if scenario_defaults:
            self.add_number("ROUNDS", "Route optimiser rounds (empty: the scenario's, 100)",
                            1, 1000000, optional=True, integer=True)
            self.add_number("TIME_LIMIT", "Cap on the route optimiser (s; empty: the scenario's)",
                            1, 86400, optional=True)
            self.add_number("THREADS", "Threads (0 = all cores; empty: the scenario's)", 0, 1024,
                            optional=True, integer=True, is_advanced=True)
        self.add_bool("OVERWRITE", "Replace the folder if it is a package vigia wrote "
                      "(--overwrite)", False)
        self.add_bool("LOAD_OUTPUTS", "Open the package's layers in the project", True)
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Package folder"))
        self.addOutput(QgsProcessingOutputFile("PROJECT", "QGIS project of the package (plan.qgs)"))
        self.addOutput(QgsProcessingOutputFile("REPORT", "Report (report.md)"))
        self.addOutput(QgsProcessingOutputVectorLayer("ROUTES", "Routes",
                                                      QgsProcessing.TypeVectorLine))
        self.addOutput(QgsProcessingOutputRasterLayer("COVERAGE", "Coverage"))
        self.addOutput(QgsProcessingOutputNumber("COVERAGE_PERCENT",
                                                 "Corridor seen, % by weight"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        path = self.parameterAsFile(parameters, "SCENARIO", context)
        if not path or not os.path.isfile(path):
            raise QgsProcessingException(f"SCENARIO: no such file: {path}")
        return self.run_plan(path, parameters, context, feedback, run_id, overrides=True)

    def run_plan(self, scenario_path, parameters, context, feedback, run_id, overrides):
        """Runs `vigia plan` on the scenario into the OUTPUT folder and returns the
        results; loads the package's layers when LOAD_OUTPUTS. ``overrides``: pass
        ROUNDS, TIME_LIMIT and THREADS as options (they override the scenario's)."""
        folder = output_folder(self, parameters, "OUTPUT", context)
        args = [os.path.abspath(scenario_path), "--out", folder]
        self.flag_option(args, parameters, "OVERWRITE", "--overwrite", context)
        if overrides:
            self.number_option(args, parameters, "TIME_LIMIT", "--time-limit", context)
            self.number_option(args, parameters, "ROUNDS", "--rounds", context, integer=True)
            self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        removed = prepare_output_folder(folder)
        try:
            self.run_command(args, feedback)
        except BaseException:
            restore_output_folder(folder, removed)
            raise
        if self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            layers.load_plan_package(context, folder, run_id)
        results = {"OUTPUT": folder,
                   "PROJECT": os.path.join(folder, "plan.qgs"),
                   "REPORT": os.path.join(folder, "report.md"),
                   "ROUTES": os.path.join(folder, "plan.gpkg") + "|layername=routes",
                   "COVERAGE": os.path.join(folder, "coverage.tif")}
        percent = coverage_percent(os.path.join(folder, "report.json"))
        if percent is not None:
            results["COVERAGE_PERCENT"] = percent
        return results


def coverage_percent(report_path):
    """The share of the corridor seen, % by weight, from a package's report.json
    (sorties or patrol), or None when the report does not say."""
    try:
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError):
        return None
    for section in ("sorties", "patrol"):
        value = (report.get(section) or {}).get("coverage_by_weight")
        if isinstance(value, (int, float)):
            return 100.0 * value
    return None


class PlanFromLayersAlgorithm(PlanAlgorithm):
    NAME = "planfromlayers"
    DISPLAY = "Plan a mission from layers"
    HELP = ("The same mission package as <i>Plan a mission from a scenario file</i>, with the "
            "scenario made from layers and parameters: the DEM, the border lines, the own "
            "territory (and an OGR SQL filter), the bases, optional datalink stations "
            "(attributes name, antenna_agl, range_km), the aircraft, the sensor task and the "
            "objective. The scenario (TOML, docs/scenario.md) is written to SCENARIO_FILE "
            "(a temporary file unless given) and can be rerun with "
            "<code>vigia plan</code>.<br>"
            "Runs <code>vigia plan SCENARIO.toml --out DIR</code>; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BORDER", "Border lines", [QgsProcessing.TypeVectorLine]))
        self.addParameter(advanced(QgsProcessingParameterString(
            "BORDER_WHERE", "Border filter (OGR SQL on the border features)", optional=True)))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "OWN_TERRITORY", "Own territory polygons", [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterString(
            "OWN_WHERE", "Own-territory filter (OGR SQL, e.g. A3 = 'CHL')", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BASES", "Bases (one for all aircraft, or one per aircraft)",
            [QgsProcessing.TypeVectorPoint]))
        self.addParameter(advanced(QgsProcessingParameterField(
            "BASE_NAME_FIELD", "Base name attribute", parentLayerParameterName="BASES",
            optional=True)))
        self.addParameter(advanced(QgsProcessingParameterField(
            "RUNWAY_HEADING_FIELD", "Runway heading attribute (compass degrees; empty or NULL: "
            "the axis with the most open climb-out)", parentLayerParameterName="BASES",
            type=QgsProcessingParameterField.Numeric, optional=True)))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "STATIONS", "Ground stations for the datalink (optional)",
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.add_number("ANTENNA_M", "Default station antenna height above ground (m)", 0, 1000, 10,
                        is_advanced=True)
        self.add_number("LINK_RANGE_KM", "Default station range (km)", 1, 2000, 200,
                        is_advanced=True)
        self.add_bool("LINK_MANDATORY", "Keep the datalink along the whole route", False,
                      is_advanced=True)
        self.add_enum("AIRCRAFT", "Aircraft preset", AIRCRAFT, 0)
        self.add_number("COUNT", "Aircraft", 1, 64, 1, integer=True)
        self.add_number("ENDURANCE_H", "Endurance (h)", 0.05, 200, 12)
        self.add_enum("TASK", "Sensor task", TASKS, TASK_DEFAULT)
        self.add_enum("OBJECTIVE", "Objective", OBJECTIVES, 0)
        self.add_number("OWN_WIDTH_KM", "Corridor depth on the own side (km)", 0, 500, 10,
                        is_advanced=True)
        self.add_number("FAR_WIDTH_KM", "Corridor depth across the border (km)", 0, 500, 5,
                        is_advanced=True)
        self.add_number("EDGE_WEIGHT", "Target weight at the corridor's edges", 0, 1, 0.25,
                        is_advanced=True)
        self.add_number("STANDOFF_KM", "Standoff from the border (km)", 0, 100, 2, is_advanced=True)
        self.addParameter(advanced(QgsProcessingParameterMultipleLayers(
            "NO_FLY", "No-fly polygons", QgsProcessing.TypeVectorPolygon, optional=True)))
        self.add_number("SENSOR_RANGE_KM", "Sensor range (km; empty: the task's)", 0.1, 200,
                        optional=True, is_advanced=True)
        self.add_number("MIN_GRAZING", "Minimum grazing angle (degrees)", 0, 89, 5, is_advanced=True)
        self.add_number("SPACING_KM", "Candidate lattice spacing (km)", 0.1, 100, 2, is_advanced=True)
        self.add_number("TIERS", "Altitude tiers per lattice point", 1, 20, 3, integer=True,
                        is_advanced=True)
        self.add_number("AGGREGATE", "Optimise over blocks of N x N cells", 1, 50, 1, integer=True,
                        is_advanced=True)
        self.add_number("POINTS", "Observation points offered to the router", 1, 500, 30,
                        integer=True, is_advanced=True)
        self.add_number("LOITER_MIN", "Minutes circling at each observation point", 0, 600, 5,
                        is_advanced=True)
        self.add_number("ROUNDS", "Route optimiser rounds", 1, 1000000, 100, integer=True)
        self.add_number("TIME_LIMIT", "Cap on the route optimiser (s)", 1, 86400, 600)
        self.add_number("SEED", "Seed of the optimiser", 0, INT_MAX, 1, integer=True,
                        is_advanced=True)
        self.add_number("THREADS", "Threads (0 = all cores)", 0, 1024, 0, integer=True,
                        is_advanced=True)
        self.addParameter(QgsProcessingParameterString("NAME", "Plan name", "QGIS plan"))
        self.addParameter(advanced(QgsProcessingParameterFileDestination(
            "SCENARIO_FILE", "Scenario file written", "vigia scenario (*.toml)", optional=True,
            createByDefault=False)))
        self.add_plan_options(scenario_defaults=False)

    def scenario_sections(self, parameters, context, work, feedback):
        """The scenario's tables from the parameters (docs/scenario.md field by field)."""
        num = lambda name, integer=False: self.number(parameters, name, context, integer)
        text = lambda name: self.parameterAsString(parameters, name, context) or None
        dem = layers.dem_source(self, parameters, "DEM", context)
        border = layers.vector_input(self, parameters, "BORDER", context, work, feedback,
                                     has_layer_option=True)
        own = layers.vector_input(self, parameters, "OWN_TERRITORY", context, work, feedback,
                                  has_layer_option=True)
        no_fly = layers.vector_inputs(self, parameters, "NO_FLY", context, work, feedback)
        stations = layers.vector_input(self, parameters, "STATIONS", context, work, feedback)
        sections = [
            ("scenario", {"name": text("NAME"),
                          "description": "Written by the vigia QGIS plugin (vigia:planfromlayers)"}),
            ("dem", {"files": [dem]}),
            ("border", {"file": border.path, "layer": border.layer, "where": text("BORDER_WHERE")}),
            ("own_side", {"territory": own.path, "layer": own.layer, "where": text("OWN_WHERE")}),
            ("corridor", {"own_width_km": num("OWN_WIDTH_KM"), "far_width_km": num("FAR_WIDTH_KM"),
                          "edge_weight": num("EDGE_WEIGHT")}),
            ("airspace", {"standoff_km": num("STANDOFF_KM"),
                          "no_fly": [n.path for n in no_fly] or None}),
        ]
        sections += self.base_tables(parameters, context)
        sections.append(("datalink", {
            "stations_file": stations.path if stations else None,
            "antenna_m": num("ANTENNA_M"), "range_km": num("LINK_RANGE_KM"),
            "mandatory": self.parameterAsBoolean(parameters, "LINK_MANDATORY", context)}))
        sections += [
            ("aircraft", {"preset": self.enum_value(parameters, "AIRCRAFT", context, AIRCRAFT),
                          "count": num("COUNT", True), "endurance_h": num("ENDURANCE_H")}),
            ("sensor", {"task": self.enum_value(parameters, "TASK", context, TASKS),
                        "range_km": num("SENSOR_RANGE_KM"), "min_grazing_deg": num("MIN_GRAZING")}),
            ("candidates", {"spacing_km": num("SPACING_KM"), "tiers": num("TIERS", True),
                            "aggregate": num("AGGREGATE", True), "points": num("POINTS", True)}),
            ("mission", {"objective": self.enum_value(parameters, "OBJECTIVE", context, OBJECTIVES),
                         "loiter_min": num("LOITER_MIN"), "rounds": num("ROUNDS", True),
                         "time_limit_s": num("TIME_LIMIT"), "seed": num("SEED", True),
                         "threads": num("THREADS", True)}),
        ]
        return sections

    def base_tables(self, parameters, context):
        """One [[bases]] table per base point, in feature order, in WGS 84."""
        source = self.parameterAsSource(parameters, "BASES", context)
        points = layers.feature_points_lonlat(source, context)
        if not points:
            raise QgsProcessingException("BASES: the layer has no points")
        name_field = self.parameterAsString(parameters, "BASE_NAME_FIELD", context)
        heading_field = self.parameterAsString(parameters, "RUNWAY_HEADING_FIELD", context)
        tables = []
        for i, (lon, lat, feature) in enumerate(points):
            name = _attribute(feature, name_field)
            heading = _attribute(feature, heading_field)
            tables.append(("[bases]", {"name": str(name) if name is not None else f"base {i + 1}",
                                       "lon": float(lon), "lat": float(lat),
                                       "runway_heading_deg": float(heading) if heading is not None
                                       else None}))
        return tables

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        sections = self.scenario_sections(parameters, context, work, feedback)
        path = os.path.join(work, "scenario.toml")
        if given(parameters, "SCENARIO_FILE"):
            path = self.parameterAsFileOutput(parameters, "SCENARIO_FILE", context) or path
        scenario.write_scenario(path, sections, comment=(
            f"vigia scenario written by the vigia QGIS plugin {runner.plugin_version()} "
            "(vigia:planfromlayers); docs/scenario.md describes every field."))
        feedback.pushInfo(f"scenario written to {path}")
        results = self.run_plan(path, parameters, context, feedback, run_id, overrides=False)
        results["SCENARIO_FILE"] = path
        return results


def _attribute(feature, field):
    """The attribute ``field`` of ``feature``, or None when no field is chosen or the
    value is NULL."""
    if not field:
        return None
    value = feature[field]
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return value
