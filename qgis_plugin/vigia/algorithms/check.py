"""vigia:check: fly a mission file as ArduPlane and PX4 fly it and check it over the DEM.

An unsafe mission is a verdict, not an error: vigia exits with 3, the algorithm
succeeds with SAFE = False and the violations in the log and the GeoPackage.
"""
from qgis.core import (QgsProcessing, QgsProcessingOutputBoolean, QgsProcessingOutputString,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFile,
                       QgsProcessingParameterFileDestination, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterLayer)

from .. import layers
from .base import AIRCRAFT, VigiaAlgorithm, advanced, given

FIRMWARE = [("ArduPlane and PX4 (both)", "both"), ("ArduPlane (ardupilot)", "ardupilot"),
            ("PX4 (px4)", "px4")]
EXIT_SAFE, EXIT_UNSAFE = 0, 3


class CheckAlgorithm(VigiaAlgorithm):
    NAME = "check"
    COMMAND = "check"
    DISPLAY = "Check a mission file over the terrain"
    GROUP = "Mission check"
    GROUP_ID = "check"
    HELP = ("Flies a QGroundControl .plan or QGC WPL 110 mission as ArduPlane and PX4 fly it and "
            "checks terrain and clearance at every DEM post, ceiling, geofence and no-fly "
            "polygons, gradients and endurance. SAFE is true when the mission is safe; the "
            "violations and the flown path go to the GeoPackage.<br>"
            "Runs <code>vigia check MISSION --dem DEM</code> with the options below (exit 3 = unsafe, "
            "not an error); the log shows the exact command.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile(
            "MISSION", "Mission file (.plan or QGC WPL 110 .waypoints)",
            fileFilter="Mission files (*.plan *.waypoints *.txt);;All files (*)"))
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
        self.add_enum("AIRCRAFT", "Aircraft preset", AIRCRAFT, 0)
        for name, description, low, high in [
                ("CRUISE_KMH", "Cruise speed (km/h; empty: the preset's)", 10, 2000),
                ("ENDURANCE_H", "Endurance (h; empty: the preset's)", 0.05, 200),
                ("RESERVE", "Fraction of endurance kept in reserve (empty: the preset's)", 0, 0.9),
                ("TURN_RADIUS_M", "Turn radius (m; empty: the preset's)", 10, 20000),
                ("CLIMB_MS", "Climb rate (m/s; empty: the preset's)", 0.1, 100),
                ("DESCENT_MS", "Descent rate (m/s; empty: the preset's)", 0.1, 100)]:
            self.add_number(name, description, low, high, optional=True, is_advanced=True)
        self.add_number("CLEARANCE", "Clearance above terrain (m; empty: the preset's, 300)", 0, 5000,
                        optional=True)
        self.add_number("CEILING", "Ceiling AMSL (m; empty: the preset's, 5400)", 100, 30000,
                        optional=True)
        self.add_enum("FIRMWARE", "How the file is flown", FIRMWARE, 0)
        self.add_number("LOITER_RADIUS", "The firmware's loiter radius setting (m; empty: the "
                        "aircraft's turn radius)", 0, 100000, optional=True, is_advanced=True)
        self.add_number("GLIDE_SLOPE_MIN", "ArduPlane GLIDE_SLOPE_MIN (m)", 0, 1000, 15,
                        is_advanced=True)
        self.add_number("BASE_ZONE_KM", "Distance over which the clearance ramps from a base (km)",
                        0, 100, 4, is_advanced=True)
        self.add_number("RUNWAY_M", "Take-off and landing measured against the runway within (m)",
                        0, 10000, 300, is_advanced=True)
        self.addParameter(QgsProcessingParameterFeatureSource(
            "AIRSPACE", "Polygons the aircraft must stay inside (e.g. a plan's permitted_airspace)",
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "NO_FLY", "No-fly polygons", QgsProcessing.TypeVectorPolygon, optional=True))
        self.add_bool("NO_FENCE", "Do not check the mission file's own geofence", False,
                      is_advanced=True)
        self.add_bool("LOAD_OUTPUTS", "Open the violations and the flown path in the project", True)
        self.addParameter(QgsProcessingParameterFileDestination(
            "VIOLATIONS", "Violations and flown path", "GeoPackage (*.gpkg)", optional=True,
            createByDefault=True))
        self.addParameter(advanced(QgsProcessingParameterFileDestination(
            "PROFILE", "Flown altitude profile", "PNG image (*.png)", optional=True,
            createByDefault=False)))
        self.addOutput(QgsProcessingOutputBoolean("SAFE", "The mission is safe"))
        self.addOutput(QgsProcessingOutputString("VERDICT", "vigia's verdict line"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        mission = self.parameterAsFile(parameters, "MISSION", context)
        args = [mission, "--dem", layers.dem_source(self, parameters, "DEM", context)]
        self.enum_option(args, parameters, "AIRCRAFT", "--aircraft", context, AIRCRAFT)
        for name, option in [("CRUISE_KMH", "--cruise-kmh"), ("ENDURANCE_H", "--endurance-h"),
                             ("RESERVE", "--reserve"), ("TURN_RADIUS_M", "--turn-radius-m"),
                             ("CLIMB_MS", "--climb-ms"), ("DESCENT_MS", "--descent-ms"),
                             ("CLEARANCE", "--clearance"), ("CEILING", "--ceiling"),
                             ("LOITER_RADIUS", "--loiter-radius"),
                             ("GLIDE_SLOPE_MIN", "--glide-slope-min"),
                             ("BASE_ZONE_KM", "--base-zone-km"), ("RUNWAY_M", "--runway-m")]:
            self.number_option(args, parameters, name, option, context)
        self.enum_option(args, parameters, "FIRMWARE", "--firmware", context, FIRMWARE)
        airspace = layers.vector_input(self, parameters, "AIRSPACE", context, work, feedback)
        if airspace is not None:
            args += ["--airspace", airspace.path]
        for no_fly in layers.vector_inputs(self, parameters, "NO_FLY", context, work, feedback):
            args += ["--no-fly", no_fly.path]
        self.flag_option(args, parameters, "NO_FENCE", "--no-fence", context)
        results = {}
        violations = None
        if given(parameters, "VIOLATIONS"):
            violations = self.parameterAsFileOutput(parameters, "VIOLATIONS", context)
            if violations:
                args += ["--violations", violations]
                results["VIOLATIONS"] = violations
        if given(parameters, "PROFILE"):
            profile = self.parameterAsFileOutput(parameters, "PROFILE", context)
            if profile:
                args += ["--profile", profile]
                results["PROFILE"] = profile
        result = self.run_command(args, feedback, ok_codes=(EXIT_SAFE, EXIT_UNSAFE))
        safe = result.returncode == EXIT_SAFE
        verdict = next((l for l in result.stdout if l.startswith("vigia check:")),
                       result.stdout[0] if result.stdout else "")
        if not safe:
            feedback.pushWarning(f"UNSAFE: {verdict}")
        if violations and self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            for i, (layer, rank) in enumerate(layers.gpkg_layers(violations)):
                layers.load_on_completion(context, f"{violations}|layername={layer}", layer,
                                          rank + i * 0.01, run_id)
        results.update({"SAFE": safe, "VERDICT": verdict})
        return results
