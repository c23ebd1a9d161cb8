"""vigia:corridor and vigia:link, and the area parameters corridor, select and route
share (cli/area_options.cpp): DEM, border, own side, corridor, airspace, aircraft.
"""
import os

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputRasterLayer,
                       QgsProcessingOutputVectorLayer, QgsProcessingParameterFeatureSource,
                       QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterMultipleLayers, QgsProcessingParameterPoint,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterString)

from .. import layers
from .base import AIRCRAFT, VigiaAlgorithm, advanced, given, output_folder


def add_area_parameters(alg):
    """The DEM, border, own side, corridor, airspace and aircraft parameters."""
    alg.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "BORDER", "Border lines", [QgsProcessing.TypeVectorLine]))
    alg.addParameter(advanced(QgsProcessingParameterString(
        "BORDER_WHERE", "Border filter (OGR SQL on the border features)", optional=True)))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        "OWN_TERRITORY", "Own territory polygons (or an own-side point below)",
        [QgsProcessing.TypeVectorPolygon], optional=True))
    alg.addParameter(QgsProcessingParameterString(
        "OWN_WHERE", "Own-territory filter (OGR SQL, e.g. A3 = 'CHL')", optional=True))
    alg.addParameter(advanced(QgsProcessingParameterPoint(
        "OWN_POINT", "Own-side point (instead of own territory polygons)", optional=True)))
    alg.add_number("OWN_WIDTH_KM", "Corridor depth on the own side (km)", 0, 500, 10)
    alg.add_number("FAR_WIDTH_KM", "Corridor depth across the border (km)", 0, 500, 5)
    alg.add_number("EDGE_WEIGHT", "Target weight at the corridor's edges (1 at the border)", 0, 1, 0.25,
                   is_advanced=True)
    alg.addParameter(advanced(QgsProcessingParameterMultipleLayers(
        "WEIGHT_LINES", "Extra weight near these lines (roads, rivers, crossings)",
        QgsProcessing.TypeVectorLine, optional=True)))
    alg.add_number("WEIGHT_LINES_WEIGHT", "Weight added near those lines", -1e9, 1e9, 1,
                   is_advanced=True)
    alg.add_number("WEIGHT_LINES_BUFFER_M", "Distance from those lines (m)", 0, 100000, 1000,
                   is_advanced=True)
    alg.addParameter(advanced(QgsProcessingParameterMultipleLayers(
        "WEIGHT_POLYGONS", "Extra weight inside these polygons (priority areas)",
        QgsProcessing.TypeVectorPolygon, optional=True)))
    alg.add_number("WEIGHT_POLYGONS_WEIGHT", "Weight added inside those polygons", -1e9, 1e9, 1,
                   is_advanced=True)
    alg.add_number("STANDOFF_KM", "Standoff from the border the aircraft keeps (km)", 0, 100, 2)
    alg.addParameter(QgsProcessingParameterMultipleLayers(
        "NO_FLY", "No-fly polygons", QgsProcessing.TypeVectorPolygon, optional=True))
    alg.add_enum("AIRCRAFT", "Aircraft preset", AIRCRAFT, 0)
    alg.add_number("CLEARANCE", "Minimum height above terrain (m; empty: the aircraft's)", 0, 5000,
                   optional=True, is_advanced=True)
    alg.add_number("CEILING", "Ceiling AMSL (m; empty: the aircraft's)", 100, 30000, optional=True,
                   is_advanced=True)


def area_arguments(alg, parameters, context, work, feedback):
    """The DEM and the area options, in vigia's words: ``[DEM, --border, FILE, ...]``."""
    args = [layers.dem_source(alg, parameters, "DEM", context)]
    border = layers.vector_input(alg, parameters, "BORDER", context, work, feedback,
                                 has_layer_option=True)
    args += ["--border", border.path]
    if border.layer:
        args += ["--border-layer", border.layer]
    where = alg.parameterAsString(parameters, "BORDER_WHERE", context)
    if where:
        args += ["--border-where", where]
    has_territory = given(parameters, "OWN_TERRITORY")
    has_point = given(parameters, "OWN_POINT")
    if has_territory == has_point:
        raise QgsProcessingException(
            "Own side: give exactly one of own territory polygons or an own-side point")
    if has_territory:
        own = layers.vector_input(alg, parameters, "OWN_TERRITORY", context, work, feedback,
                                  has_layer_option=True)
        args += ["--own-territory", own.path]
        if own.layer:
            args += ["--own-layer", own.layer]
        where = alg.parameterAsString(parameters, "OWN_WHERE", context)
        if where:
            args += ["--own-where", where]
    else:
        lon, lat = layers.point_lonlat(alg, parameters, "OWN_POINT", context)
        args += ["--own-point", layers.lonlat_text(lon, lat)]
    alg.number_option(args, parameters, "OWN_WIDTH_KM", "--own-width-km", context)
    alg.number_option(args, parameters, "FAR_WIDTH_KM", "--far-width-km", context)
    alg.number_option(args, parameters, "EDGE_WEIGHT", "--edge-weight", context)
    weight = layers.format_number(alg.number(parameters, "WEIGHT_LINES_WEIGHT", context))
    buffer_m = layers.format_number(alg.number(parameters, "WEIGHT_LINES_BUFFER_M", context))
    for lines in layers.vector_inputs(alg, parameters, "WEIGHT_LINES", context, work, feedback):
        args += ["--weight-lines", f"{lines.path}:{weight}:{buffer_m}"]
    weight = layers.format_number(alg.number(parameters, "WEIGHT_POLYGONS_WEIGHT", context))
    for polygons in layers.vector_inputs(alg, parameters, "WEIGHT_POLYGONS", context, work, feedback):
        args += ["--weight-polygons", f"{polygons.path}:{weight}"]
    alg.number_option(args, parameters, "STANDOFF_KM", "--standoff-km", context)
    for no_fly in layers.vector_inputs(alg, parameters, "NO_FLY", context, work, feedback):
        args += ["--no-fly", no_fly.path]
    alg.enum_option(args, parameters, "AIRCRAFT", "--aircraft", context, AIRCRAFT)
    alg.number_option(args, parameters, "CLEARANCE", "--clearance", context)
    alg.number_option(args, parameters, "CEILING", "--ceiling", context)
    return args


def add_folder_output(alg, description):
    alg.add_bool("OVERWRITE", "Replace the outputs vigia wrote there before (--overwrite)", False)
    alg.add_bool("LOAD_OUTPUTS", "Open the produced layers in the project", True)
    alg.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", description))


def folder_arguments(alg, parameters, context):
    """``--out FOLDER`` and ``--overwrite``; returns (args, folder)."""
    folder = output_folder(alg, parameters, "OUTPUT", context)
    args = ["--out", folder]
    alg.flag_option(args, parameters, "OVERWRITE", "--overwrite", context)
    return args, folder


class CorridorAlgorithm(VigiaAlgorithm):
    NAME = "corridor"
    COMMAND = "corridor"
    DISPLAY = "Border corridor and permitted airspace"
    GROUP = "Area and datalink"
    GROUP_ID = "area"
    HELP = ("The border corridor to watch (both sides) with per-cell target weights, and the "
            "permitted airspace (standoff, no-fly, clearance, ceiling) as polygons and an "
            "altitude band. Writes corridor.gpkg (border, corridor, airspace, no_fly), "
            "corridor_weights.tif and airspace_band.tif into the output folder.<br>"
            "Runs <code>vigia corridor DEM --border FILE --own-territory FILE --out DIR</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        add_area_parameters(self)
        add_folder_output(self, "Output folder")
        self.addOutput(QgsProcessingOutputVectorLayer("CORRIDOR", "Corridor",
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer("AIRSPACE", "Permitted airspace",
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputRasterLayer("WEIGHTS", "Corridor target weights"))
        self.addOutput(QgsProcessingOutputRasterLayer("AIRSPACE_BAND", "Airspace altitude band"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        args = area_arguments(self, parameters, context, work, feedback)
        out_args, folder = folder_arguments(self, parameters, context)
        self.run_command(args + out_args, feedback)
        gpkg = os.path.join(folder, "corridor.gpkg")
        if self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            layers.load_folder_outputs(context, folder, ["corridor.gpkg"],
                                       ["corridor_weights.tif", "airspace_band.tif"], run_id)
        return {"OUTPUT": folder,
                "CORRIDOR": f"{gpkg}|layername=corridor",
                "AIRSPACE": f"{gpkg}|layername=airspace",
                "WEIGHTS": os.path.join(folder, "corridor_weights.tif"),
                "AIRSPACE_BAND": os.path.join(folder, "airspace_band.tif")}


class LinkAlgorithm(VigiaAlgorithm):
    NAME = "link"
    COMMAND = "link"
    DISPLAY = "Datalink coverage from ground stations"
    GROUP = "Area and datalink"
    GROUP_ID = "area"
    HELP = ("The lowest altitude AMSL over each cell with radio line of sight to a ground "
            "station, which station gives it, and link masks at given altitudes. Stations are "
            "points with optional attributes name, antenna_agl (m) and range_km. Writes "
            "link_lowest_altitude.tif, link_station.tif, link_at_Am.tif and link_stations.gpkg.<br>"
            "Runs <code>vigia link DEM --stations FILE --out DIR</code> "
            "with the options below; the log shows the exact command.")

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer("DEM", "DEM"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "STATIONS", "Ground stations", [QgsProcessing.TypeVectorPoint]))
        self.add_number("RANGE_KM", "Default link range (km)", 1, 2000, 200)
        self.add_number("ANTENNA", "Default antenna height above ground (m)", 0, 1000, 10)
        self.add_number("K", "Refraction coefficient for radio", -1, 1, 0.25, is_advanced=True)
        self.add_number("FRESNEL", "Keep this fraction of the first Fresnel zone clear (e.g. 0.6)",
                        0, 1, optional=True, is_advanced=True)
        self.add_number("FREQUENCY_GHZ", "Link frequency for the Fresnel zone (GHz)", 0.01, 100, 5,
                        is_advanced=True)
        self.add_enum("AIRCRAFT", "Aircraft preset (for the ceiling)", AIRCRAFT, 0)
        self.add_number("CEILING", "Ceiling AMSL (m; empty: the aircraft's)", 100, 30000,
                        optional=True)
        self.addParameter(QgsProcessingParameterString(
            "AT_ALTITUDES", "Also write link masks at these altitudes AMSL (m, comma-separated, "
            "each -500 to 12000)", optional=True))
        self.add_threads()
        add_folder_output(self, "Output folder")
        self.addOutput(QgsProcessingOutputRasterLayer("LOWEST_ALTITUDE", "Lowest altitude with a link"))
        self.addOutput(QgsProcessingOutputRasterLayer("STATION", "Serving station"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback, work, run_id = self.start(feedback)
        args = [layers.dem_source(self, parameters, "DEM", context)]
        stations = layers.vector_input(self, parameters, "STATIONS", context, work, feedback)
        args += ["--stations", stations.path]
        self.number_option(args, parameters, "RANGE_KM", "--range-km", context)
        self.number_option(args, parameters, "ANTENNA", "--antenna", context)
        self.number_option(args, parameters, "K", "--k", context)
        self.number_option(args, parameters, "FRESNEL", "--fresnel", context)
        self.number_option(args, parameters, "FREQUENCY_GHZ", "--frequency-ghz", context)
        self.enum_option(args, parameters, "AIRCRAFT", "--aircraft", context, AIRCRAFT)
        self.number_option(args, parameters, "CEILING", "--ceiling", context)
        masks = []
        for text in self.parameterAsString(parameters, "AT_ALTITUDES", context).replace(";", ",").split(","):
            if text.strip():
                try:
                    value = float(text)
                except ValueError:
                    raise QgsProcessingException(
                        f"AT_ALTITUDES: '{text.strip()}' is not a number (allowed: altitudes in m, "
                        "comma-separated)")
                args += ["--at-altitude", layers.format_number(value)]
                masks.append(f"link_at_{layers.format_number(value)}m.tif")
        self.number_option(args, parameters, "THREADS", "--threads", context, integer=True)
        out_args, folder = folder_arguments(self, parameters, context)
        self.run_command(args + out_args, feedback)
        if self.parameterAsBoolean(parameters, "LOAD_OUTPUTS", context):
            layers.load_folder_outputs(context, folder, ["link_stations.gpkg"],
                                       ["link_lowest_altitude.tif", "link_station.tif"] + masks,
                                       run_id)
        return {"OUTPUT": folder,
                "LOWEST_ALTITUDE": os.path.join(folder, "link_lowest_altitude.tif"),
                "STATION": os.path.join(folder, "link_station.tif")}
