"""vigia:viewshed and vigia:coverage: what sensors at given 3-D positions see.

Both share vigia's line-of-sight options (cli/los_options.cpp): altitude reference,
target height, range limits, grazing angle, azimuth sector, refraction, algorithm.
"""
from qgis.core import (QgsProcessing, QgsProcessingException,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterFileDestination, QgsProcessingParameterPoint,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer)

from .. import layers
from .base import VigiaAlgorithm, advanced, given

ALTITUDE_REFERENCE = [("above ground (--agl)", "--agl"), ("above sea level (--amsl)", "--amsl")]
LOS_ALGORITHMS = [("fast sweep (fast)", "fast"), ("exact R3 (exact, slow reference)", "exact")]
COMPRESSION = [("DEFLATE", "DEFLATE"), ("ZSTD", "ZSTD"), ("LZW", "LZW"), ("NONE", "NONE")]


class LineOfSightAlgorithm(VigiaAlgorithm):
    """The options viewshed and coverage share."""

    GROUP = "Terrain visibility"
    GROUP_ID = "visibility"

    def add_los_parameters(self, altitudes="Altitude"):
        self.add_enum("ALTITUDE_REFERENCE", f"{altitudes} reference", ALTITUDE_REFERENCE, 0)
        self.add_number("TARGET_HEIGHT", "Target height above the ground (m)", 0, 1000, 0)
        self.add_number("MAX_DISTANCE", "Maximum horizontal distance (m; empty: the whole DEM)",
                        0, 2000000, optional=True)
        self.add_number("MAX_SLANT_RANGE", "Maximum slant (3-D) range (m)", 0, 2000000,
                        optional=True, is_advanced=True)
        self.add_number("MIN_DISTANCE", "Minimum horizontal distance (m)", 0, 2000000,
                        optional=True, is_advanced=True)
        self.add_number("MIN_GRAZING", "Minimum grazing (depression) angle at the target (degrees)",
                        -90, 89, optional=True, is_advanced=True)
        self.add_number("AZIMUTH_FROM", "Azimuth sector from (degrees clockwise from north)",
                        0, 360, optional=True, is_advanced=True)
        self.add_number("AZIMUTH_TO", "Azimuth sector to (degrees clockwise from north)",
                        0, 360, optional=True, is_advanced=True)
        self.add_number("K", "Refraction coefficient (0.13 light, 0.25 radio, 1 = no curvature)",
                        -1, 1, 0.13, is_advanced=True)
        self.add_enum("ALGORITHM", "Algorithm", LOS_ALGORITHMS, 0, is_advanced=True)
        self.add_number("TIE_MARGIN", "fast: re-test exactly cells within this many metres "
                        "of the horizon band (m)", 0, 100, 0, is_advanced=True)

    def los_arguments(self, parameters, context):
        """--agl/--amsl and the other line-of-sight options from the parameters."""
        args = [self.enum_value(parameters, "ALTITUDE_REFERENCE", context, ALTITUDE_REFERENCE)]
        self.number_option(args, parameters, "TARGET_HEIGHT", "--target-height", context)
        self.number_option(args, parameters, "MAX_DISTANCE", "--max-distance", context)
        self.number_option(args, parameters, "MAX_SLANT_RANGE", "--max-slant-range", context)
        self.number_option(args, parameters, "MIN_DISTANCE", "--min-distance", context)
        self.number_option(args, parameters, "MIN_GRAZING", "--min-grazing", context)
        if given(parameters, "AZIMUTH_FROM") != given(parameters, "AZIMUTH_TO"):
            raise QgsProcessingException("Azimuth sector: give both 'from' and 'to', or neither")
        if given(parameters, "AZIMUTH_FROM"):
            args += ["--azimuth", layers.format_number(self.number(parameters, "AZIMUTH_FROM", context))
                     + "," + layers.format_number(self.number(parameters, "AZIMUTH_TO", context))]
        self.number_option(args, parameters, "K", "--k", context)
        self.enum_option(args, parameters, "ALGORITHM", "--algorithm", context, LOS_ALGORITHMS)
        self.number_option(args, parameters, "TIE_MARGIN", "--tie-margin", context)
        return args


class ViewshedAlgorithm(LineOfSightAlgorithm):
    NAME = "viewshed"
    COMMAND = "viewshed"
    DISPLAY = "Viewshed from one 3-D position"
    HELP = ("What a sensor at one position and altitude sees over the DEM: a GeoTIFF on the "
            "DEM's grid, 1 visible, 0 not visible, 255 not computed (beyond the range).<br>"
            "Runs <code>vigia viewshed DEM OUT.tif --observer LON,LAT --altitude H</code> with the "
            "options below; the observer point is reprojected to WGS 84 from its CRS.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
        self.addParameter(QgsProcessingParameterPoint("OBSERVER", "Observer position"))
        self.add_number("ALTITUDE", "Observer altitude (m)", -500, 30000)
        self.add_los_parameters("Observer altitude")
        self.add_threads()
        self.add_bool("COG", "Write a Cloud-Optimized GeoTIFF", False, is_advanced=True)
        self.add_enum("COMPRESS", "GeoTIFF compression", COMPRESSION, 0, is_advanced=True)
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", "Viewshed (1 visible, 0 not visible, 255 no data)"))
        self.addParameter(QgsProcessingParameterRasterDestination(
            "RISE", "Rise: metres a target must rise to be seen (Float32)", optional=True,
            createByDefault=False))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        dem = layers.dem_source(self, parameters, "DEM", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        lon, lat = layers.point_lonlat(self, parameters, "OBSERVER", context)
        args = [dem, output, "--observer", layers.lonlat_text(lon, lat)]
        self.number_option(args, parameters, "ALTITUDE", "--altitude", context)
        args += self.los_arguments(parameters, context)
        results = {"OUTPUT": output}
        if given(parameters, "RISE"):
            rise = self.parameterAsOutputLayer(parameters, "RISE", context)
            if rise:
                args += ["--rise", rise]
                results["RISE"] = rise
        self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        self.flag_option(args, parameters, "COG", "--cog", context)
        self.enum_option(args, parameters, "COMPRESS", "--compress", context, COMPRESSION)
        self.run_command(args, feedback)
        return results


class CoverageAlgorithm(LineOfSightAlgorithm):
    NAME = "coverage"
    COMMAND = "coverage"
    DISPLAY = "Coverage of many observers"
    HELP = ("How many observers see each cell of the DEM: a UInt16 GeoTIFF (65535 = no data). "
            "Observers are points with an altitude attribute (or Z).<br>"
            "Runs <code>vigia coverage DEM OUT.tif --observers FILE</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "OBSERVERS", "Observers", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            "ALTITUDE_FIELD", "Altitude attribute (m; empty: alt, altitude, height, z or the Z "
            "coordinate)", parentLayerParameterName="OBSERVERS",
            type=QgsProcessingParameterField.Numeric, optional=True))
        self.add_los_parameters("Observer altitudes")
        self.add_threads()
        self.add_bool("COG", "Write a Cloud-Optimized GeoTIFF", False, is_advanced=True)
        self.addParameter(QgsProcessingParameterRasterDestination(
            "OUTPUT", "Coverage (observers seeing each cell)"))
        self.addParameter(advanced(QgsProcessingParameterFileDestination(
            "VISIBLE_SETS", "Visible sets of every observer (.vvs)", "vigia visible sets (*.vvs)",
            optional=True, createByDefault=False)))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        dem = layers.dem_source(self, parameters, "DEM", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        observers = layers.vector_input(self, parameters, "OBSERVERS", context, work, feedback)
        args = [dem, output, "--observers", observers.path]
        field = self.parameterAsString(parameters, "ALTITUDE_FIELD", context)
        if field:
            args += ["--altitude-field", field]
        args += self.los_arguments(parameters, context)
        results = {"OUTPUT": output}
        if given(parameters, "VISIBLE_SETS"):
            vvs = self.parameterAsFileOutput(parameters, "VISIBLE_SETS", context)
            if vvs:
                args += ["--visible-sets", vvs]
                results["VISIBLE_SETS"] = vvs
        self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        self.flag_option(args, parameters, "COG", "--cog", context)
        self.run_command(args, feedback)
        return results
