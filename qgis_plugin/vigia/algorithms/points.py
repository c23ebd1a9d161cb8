"""vigia:select and vigia:route: observation points and patrol routes over the corridor.

Both take the area parameters of vigia:corridor plus the datalink, sensor and
candidate-lattice parameters (docs/selection.md, docs/routes.md).
"""
import os

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputFile,
                       QgsProcessingOutputVectorLayer, QgsProcessingParameterFeatureSource,
                       QgsProcessingParameterField)

from .. import layers
from .area import add_area_parameters, add_folder_output, area_arguments, folder_arguments
from .base import INT_MAX, TASK_DEFAULT, TASKS, VigiaAlgorithm, advanced, given


def add_sensor_parameters(alg):
    """Stations (optional), sensor task and the candidate lattice."""
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "STATIONS", "Ground stations for the datalink (optional)", [QgsProcessing.TypeVectorPoint],
        optional=True))
    alg.add_number("LINK_RANGE_KM", "Default station range (km)", 1, 2000, 200, is_advanced=True)
    alg.add_enum("TASK", "Sensor task", TASKS, TASK_DEFAULT)
    alg.add_number("SENSOR_RANGE_KM", "Sensor range (km; empty: the task's)", 0.1, 200,
                   optional=True, is_advanced=True)
    alg.add_number("MIN_GRAZING", "Minimum grazing angle at the target (degrees)", -90, 89, 5,
                   is_advanced=True)
    alg.add_number("K", "Refraction coefficient", -1, 1, 0.13, is_advanced=True)
    alg.add_number("SPACING_KM", "Candidate lattice spacing (km)", 0.1, 100, 2)
    alg.add_number("TIERS", "Altitude tiers per lattice point", 1, 20, 3, integer=True)
    alg.add_number("AGGREGATE", "Optimise over blocks of N x N cells", 1, 64, 1, integer=True)


def sensor_arguments(alg, parameters, context, work, feedback):
    args = []
    stations = layers.vector_input(alg, parameters, "STATIONS", context, work, feedback)
    if stations is not None:
        args += ["--stations", stations.path]
    alg.number_option(args, parameters, "LINK_RANGE_KM", "--link-range-km", context)
    alg.enum_option(args, parameters, "TASK", "--task", context, TASKS)
    alg.number_option(args, parameters, "SENSOR_RANGE_KM", "--sensor-range-km", context)
    alg.number_option(args, parameters, "MIN_GRAZING", "--min-grazing", context)
    alg.number_option(args, parameters, "K", "--k", context)
    alg.number_option(args, parameters, "SPACING_KM", "--spacing-km", context)
    alg.number_option(args, parameters, "TIERS", "--tiers", context, integer=True)
    alg.number_option(args, parameters, "AGGREGATE", "--aggregate", context, integer=True)
    return args


class SelectAlgorithm(VigiaAlgorithm):
    NAME = "select"
    COMMAND = "select"
    DISPLAY = "Observation points"
    GROUP = "Points and routes"
    GROUP_ID = "routing"
    HELP = ("The 3-D observation points (over the permitted airspace, keeping the datalink) "
            "from which K aircraft see the most of the corridor, with the optimality gap against "
            "a proven upper bound. Writes selection.gpkg (chosen_points, candidates, corridor), "
            "selection_coverage.tif and selection_report.json/.md.<br>"
            "Runs <code>vigia select DEM --border FILE --own-territory FILE --out DIR</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        add_area_parameters(self)
        add_sensor_parameters(self)
        self.add_number("COUNT", "Points to choose", 1, 10000, 10, integer=True)
        self.add_number("BUDGET_MIN", "Instead of a count: a budget of loiter minutes", 0, 100000,
                        optional=True, is_advanced=True)
        self.add_number("SCAN_RATE_KM2_MIN", "With a budget: km² the sensor scans per minute",
                        0, 1000000, optional=True, is_advanced=True)
        self.add_number("VIEWS", "Points that must see a target", 1, 10, 1, integer=True,
                        is_advanced=True)
        self.add_number("TIME_LIMIT", "Seconds for the local search", 1, 86400, 60)
        self.add_number("SEED", "Seed of the local search", 0, INT_MAX, 1, integer=True,
                        is_advanced=True)
        self.add_threads()
        add_folder_output(self, "Output folder")
        self.addOutput(QgsProcessingOutputVectorLayer("POINTS", "Chosen points",
                                                      QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputFile("REPORT", "Selection report (Markdown)"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        args = area_arguments(self, parameters, context, work, feedback)
        args += sensor_arguments(self, parameters, context, work, feedback)
        if given(parameters, "BUDGET_MIN"):
            self.number_option(args, parameters, "BUDGET_MIN", "--budget-min", context)
            self.number_option(args, parameters, "SCAN_RATE_KM2_MIN", "--scan-rate-km2-min", context)
        else:
            self.number_option(args, parameters, "COUNT", "--count", context, integer=True)
        self.number_option(args, parameters, "VIEWS", "--views", context, integer=True)
        self.number_option(args, parameters, "TIME_LIMIT", "--time-limit", context)
        self.number_option(args, parameters, "SEED", "--seed", context, integer=True)
        self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        out_args, folder = folder_arguments(self, parameters, context)
        self.run_command(args + out_args, feedback)
        if self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            layers.load_folder_outputs(context, folder, ["selection.gpkg"],
                                       ["selection_coverage.tif"], run_id)
        return {"OUTPUT": folder,
                "POINTS": os.path.join(folder, "selection.gpkg") + "|layername=chosen_points",
                "REPORT": os.path.join(folder, "selection_report.md")}


class RouteAlgorithm(VigiaAlgorithm):
    NAME = "route"
    COMMAND = "route"
    DISPLAY = "Patrol routes"
    GROUP = "Points and routes"
    GROUP_ID = "routing"
    HELP = ("Patrol routes over the best observation points for one or several aircraft, or a "
            "persistent patrol: terrain-safe, under the ceiling, around the standoff and no-fly "
            "zones, within endurance. Bases are points (one for all aircraft or one per aircraft, "
            "in feature order). Writes routes.gpkg (styled), route_profile.csv/.png and "
            "route_report.json/.md.<br>"
            "Runs <code>vigia route DEM --border FILE --own-territory FILE --base LON,LAT "
            "--out DIR</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        add_area_parameters(self)
        add_sensor_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BASES", "Bases (one for all aircraft, or one per aircraft)",
            [QgsProcessing.TypeVectorPoint]))
        self.addParameter(advanced(QgsProcessingParameterField(
            "RUNWAY_HEADING_FIELD", "Runway heading attribute (compass degrees; empty: the axis "
            "with the most open climb-out)", parentLayerParameterName="BASES",
            type=QgsProcessingParameterField.Numeric, optional=True)))
        self.add_number("COUNT", "Aircraft flying sorties (when not persistent)", 1, 64, 1,
                        integer=True)
        self.add_number("PERSISTENT", "Persistent patrol: aircraft on one cycle (0 = sorties)",
                        0, 64, 0, integer=True)
        self.add_number("CRUISE_KMH", "Cruise speed (km/h; empty: the preset's)", 10, 2000,
                        optional=True, is_advanced=True)
        self.add_number("ENDURANCE_H", "Endurance (h; empty: the preset's)", 0.05, 200,
                        optional=True)
        self.add_number("RESERVE", "Fraction of endurance kept in reserve (empty: the preset's)",
                        0, 0.9, optional=True, is_advanced=True)
        self.add_number("TURN_RADIUS_M", "Turn radius (m; empty: the preset's)", 10, 20000,
                        optional=True, is_advanced=True)
        self.add_number("CLIMB_MS", "Climb rate (m/s; empty: the preset's)", 0.1, 100,
                        optional=True, is_advanced=True)
        self.add_number("DESCENT_MS", "Descent rate (m/s; empty: the preset's)", 0.1, 100,
                        optional=True, is_advanced=True)
        self.add_bool("LINK_MANDATORY", "Keep the datalink along the whole route", False,
                      is_advanced=True)
        self.add_number("POINTS", "Observation points offered to the router", 1, 1000, 30,
                        integer=True)
        self.add_number("LOITER_MIN", "Minutes circling at each observation point", 0, 600, 5)
        self.add_number("TIME_LIMIT", "Cap on the route optimiser (s)", 1, 86400, 600)
        self.add_number("ROUNDS", "Route optimiser rounds per fleet size", 1, 1000000, 100,
                        integer=True)
        self.add_number("SEED", "Seed of the optimiser", 0, INT_MAX, 1, integer=True,
                        is_advanced=True)
        self.add_threads()
        add_folder_output(self, "Output folder")
        self.addOutput(QgsProcessingOutputVectorLayer("ROUTES", "Routes",
                                                      QgsProcessing.TypeVectorLine))
        self.addOutput(QgsProcessingOutputFile("REPORT", "Route report (Markdown)"))
        self.addOutput(QgsProcessingOutputFile("PROFILE", "Altitude profiles (PNG)"))

    def base_arguments(self, parameters, context):
        """``--base LON,LAT`` per base point (in feature order) and, with a heading
        attribute, ``--runway-heading`` for each."""
        source = self.parameterAsSource(parameters, "BASES", context)
        points = layers.feature_points_lonlat(source, context)
        if not points:
            raise QgsProcessingException("BASES: the layer has no points")
        field = self.parameterAsString(parameters, "RUNWAY_HEADING_FIELD", context)
        args = []
        for lon, lat, feature in points:
            args += ["--base", layers.lonlat_text(lon, lat)]
        if field:
            for lon, lat, feature in points:
                heading = feature[field]
                if heading is None or (hasattr(heading, "isNull") and heading.isNull()):
                    raise QgsProcessingException(
                        f"BASES: feature {feature.id()} has no {field}; give a runway heading "
                        "for every base or choose no heading attribute")
                args += ["--runway-heading", layers.format_number(float(heading))]
        return args

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        args = area_arguments(self, parameters, context, work, feedback)
        args += sensor_arguments(self, parameters, context, work, feedback)
        for name, option in [("CRUISE_KMH", "--cruise-kmh"), ("ENDURANCE_H", "--endurance-h"),
                             ("RESERVE", "--reserve"), ("TURN_RADIUS_M", "--turn-radius-m"),
                             ("CLIMB_MS", "--climb-ms"), ("DESCENT_MS", "--descent-ms")]:
            self.number_option(args, parameters, name, option, context)
        args += self.base_arguments(parameters, context)
        if self.number(parameters, "PERSISTENT", context, integer=True):
            self.number_option(args, parameters, "PERSISTENT", "--persistent", context, integer=True)
        else:
            self.number_option(args, parameters, "COUNT", "--count", context, integer=True)
        self.flag_option(args, parameters, "LINK_MANDATORY", "--link-mandatory", context)
        self.number_option(args, parameters, "POINTS", "--points", context, integer=True)
        self.number_option(args, parameters, "LOITER_MIN", "--loiter-min", context)
        self.number_option(args, parameters, "TIME_LIMIT", "--time-limit", context)
        self.number_option(args, parameters, "ROUNDS", "--rounds", context, integer=True)
        self.number_option(args, parameters, "SEED", "--seed", context, integer=True)
        self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        out_args, folder = folder_arguments(self, parameters, context)
        self.run_command(args + out_args, feedback)
        if self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            layers.load_folder_outputs(context, folder, ["routes.gpkg"], [], run_id)
        return {"OUTPUT": folder,
                "ROUTES": os.path.join(folder, "routes.gpkg") + "|layername=routes",
                "REPORT": os.path.join(folder, "route_report.md"),
                "PROFILE": os.path.join(folder, "route_profile.png")}
