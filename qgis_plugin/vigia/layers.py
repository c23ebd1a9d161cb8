"""QGIS layers in and out of vigia: what a layer parameter becomes on vigia's command
line, and how vigia's outputs come back into the project with their styles.

Inputs, the rule:

- A DEM must be a raster read by GDAL (provider ``gdal``); vigia gets its source.
- A vector layer goes to vigia by its file when vigia can read exactly the same
  features from it: the layer comes from OGR (provider ``ogr``), has no subset
  filter, the parameter does not ask for selected features only or a feature
  limit, and its file exists. A ``|layername=NAME`` part goes to vigia's
  layer option (``--border-layer``, ``--own-layer``) where the command has one;
  where it has none, the file is used only when that layer is the file's first
  (the one vigia reads).
- Any other vector input (a memory layer, a filtered layer, a selection, a
  database table, a delimited-text layer...) is first written to a GeoPackage in
  the run's temporary folder, with its attributes and CRS, and vigia gets that.

Outputs, the rule: every GeoPackage layer and GeoTIFF an algorithm produced is
added to the project when the run ends (``LOAD_OUTPUTS``); a vector layer takes the
default style vigia stored for it in the GeoPackage's ``layer_styles`` table; a
raster of a plan package takes the style the package's ``plan.qgs`` gives the layer
of the same name, and its visibility. In the layer tree, the layers of one run are
ordered by rank: points above lines above polygons above rasters, or the order of
``plan.qgs`` for a plan package.
"""
import os
import uuid

from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature,
                       QgsFeatureRequest, QgsLayerTreeLayer, QgsMapLayer,
                       QgsProcessingContext, QgsProcessingException, QgsProcessingFeatureSource,
                       QgsProcessingFeatureSourceDefinition,
                       QgsProcessingLayerPostProcessorInterface, QgsProcessingUtils,
                       QgsProject, QgsProviderRegistry, QgsReadWriteContext, QgsVectorFileWriter,
                       QgsWkbTypes)
from qgis.PyQt.QtXml import QDomDocument

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


def work_folder():
    """A new, empty folder for one run's temporary files (scenario, exported layers),
    inside the Processing temporary folder that QGIS removes when it exits."""
    path = os.path.join(QgsProcessingUtils.tempFolder(), "vigia_" + uuid.uuid4().hex[:12])
    os.makedirs(path)
    return path


# ----------------------------------------------------------------------------- inputs

def dem_source(alg, parameters, name, context):
    """The DEM parameter ``name`` as the file (GDAL source) vigia reads."""
    layer = alg.parameterAsRasterLayer(parameters, name, context)
    if layer is None:
        raise QgsProcessingException(f"{name}: no raster layer given")
    if layer.providerType() != "gdal":
        raise QgsProcessingException(
            f"{name}: the layer '{layer.name()}' comes from the '{layer.providerType()}' "
            "provider; vigia reads DEM files through GDAL (save it as a GeoTIFF first)")
    file_crs = layer.dataProvider().crs()
    if layer.crs() != file_crs:
        # vigia reads the file, with the file's own CRS: a CRS set only in QGIS would put
        # the DEM in the wrong place without a word.
        raise QgsProcessingException(
            f"{name}: the layer '{layer.name()}' has the CRS {layer.crs().authid() or 'set in QGIS'} "
            f"but its file says {file_crs.authid() or 'none'}; vigia reads the file's: write the "
            "CRS into the file (gdal_edit.py -a_srs) or save the layer as a GeoTIFF")
    return _absolute(layer.source())


def _absolute(path):
    """A plain file path made absolute (a scenario's relative paths are read against the
    scenario's folder, a temporary one); GDAL/OGR virtual paths and other sources as
    they are."""
    return os.path.abspath(path) if os.path.isfile(path) else path


class VectorInput:
    """A vector input as vigia gets it: a file and, if any, the layer name in it."""

    def __init__(self, path, layer=None):
        self.path = path
        self.layer = layer

    def __repr__(self):
        return f"VectorInput({self.path!r}, {self.layer!r})"


def _first_layer_name(path):
    """The name of the first layer OGR lists in ``path`` (the one vigia reads), or None."""
    try:
        from osgeo import ogr
    except ImportError:
        return None
    ds = ogr.Open(path)
    if ds is None or ds.GetLayerCount() == 0:
        return None
    return ds.GetLayer(0).GetName()


def _file_of(layer, has_layer_option):
    """The VectorInput that reads the same features as ``layer`` straight from its file,
    or None when the layer has to be exported (see the module's rule)."""
    if layer is None or layer.providerType() != "ogr" or layer.subsetString():
        return None
    # A CRS set only in QGIS: the file alone would be read in its own CRS.
    if layer.crs() != layer.dataProvider().crs():
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    if not (os.path.isfile(path) or path.startswith("/vsi")):
        return None
    if parts.get("subset") or parts.get("openOptions"):
        return None
    # vigia reads .csv and .txt point files as bare "lon,lat[,alt]" lines, whatever
    # columns QGIS took the coordinates from: export them.
    if path.lower().endswith((".csv", ".txt")):
        return None
    path = _absolute(path)
    layer_name = parts.get("layerName") or None
    layer_id = parts.get("layerId")
    if layer_id not in (None, "", 0, "0") and layer_name is None:
        return None
    if parts.get("geometryType"):
        return None
    if layer_name is None or has_layer_option:
        return VectorInput(path, layer_name)
    return VectorInput(path) if _first_layer_name(path) == layer_name else None


def export_features(source, path, layer_name, context, feedback=None):
    """Writes every feature of ``source`` (a layer or a Processing feature source:
    whatever its filter, selection and limit let through) to a new GeoPackage ``path``,
    keeping attributes, geometry type (with Z) and CRS; invalid geometries are written
    as they are, for vigia to repair or refuse. Returns a VectorInput."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer_name
    options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(path, source.fields(), source.wkbType(),
                                        source.sourceCrs(), context.transformContext(), options)
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"cannot write {path}: {writer.errorMessage()}")
    count = 0
    if isinstance(source, QgsProcessingFeatureSource):
        # vigia repairs invalid polygons itself (with a warning): pass them on as they are.
        features = source.getFeatures(QgsFeatureRequest(),
                                      QgsProcessingFeatureSource.FlagSkipGeometryValidityChecks)
    else:
        features = source.getFeatures()
    for feature in features:
        if not writer.addFeature(feature):
            raise QgsProcessingException(f"cannot write a feature to {path}: {writer.errorMessage()}")
        count += 1
    del writer  # closes the file
    if feedback is not None:
        feedback.pushInfo(f"wrote {count} features to {path} for vigia")
    return VectorInput(path, layer_name)


def _selection_or_limit(value):
    """Whether a parameter value asks for selected features only or a feature limit."""
    return isinstance(value, QgsProcessingFeatureSourceDefinition) and (
        value.selectedFeaturesOnly or value.featureLimit not in (-1, None))


def vector_input(alg, parameters, name, context, work, feedback=None, has_layer_option=False):
    """The feature-source parameter ``name`` as a VectorInput (None when not given).

    ``has_layer_option``: the command can take a layer name for this input (then a
    layer of a multi-layer file goes by its name instead of being exported).
    """
    value = parameters.get(name)
    if value is None or value == "":
        return None
    if not _selection_or_limit(value):
        found = _file_of(alg.parameterAsVectorLayer(parameters, name, context), has_layer_option)
        if found is not None:
            return found
    source = alg.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(f"{name}: cannot read the layer")
    path = os.path.join(work, f"{name.lower()}.gpkg")
    return export_features(source, path, name.lower(), context, feedback)


def vector_inputs(alg, parameters, name, context, work, feedback=None):
    """A multiple-layer parameter as a list of VectorInputs (files vigia reads whole,
    each layer exported when its own file would not give the same features)."""
    result = []
    for i, layer in enumerate(alg.parameterAsLayerList(parameters, name, context)):
        found = _file_of(layer, has_layer_option=False)
        if found is None:
            found = export_features(QgsProcessingFeatureSource(layer, context),
                                    os.path.join(work, f"{name.lower()}_{i + 1}.gpkg"),
                                    f"{name.lower()}_{i + 1}", context, feedback)
        result.append(found)
    return result


def point_lonlat(alg, parameters, name, context):
    """A point parameter as (lon, lat) in WGS 84, reprojected from the point's CRS."""
    p = alg.parameterAsPoint(parameters, name, context, WGS84)
    return p.x(), p.y()


def format_number(x):
    """A number for vigia's command line: integers as such, others with every digit
    that a double holds (repr), so that nothing is rounded on the way."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return repr(float(x))


def lonlat_text(lon, lat):
    """LON,LAT for vigia's --observer, --base, --own-point."""
    return f"{format_number(lon)},{format_number(lat)}"


def feature_points_lonlat(source, context):
    """Every point of every feature of ``source`` (multipoints give each part), in WGS 84,
    as (lon, lat, feature) in feature order."""
    transform = QgsCoordinateTransform(source.sourceCrs(), WGS84, context.transformContext())
    points = []
    for feature in source.getFeatures(QgsFeatureRequest()):
        geom = feature.geometry()
        if geom is None or geom.isEmpty():
            continue
        geom.transform(transform)
        for part in geom.constParts():
            points.append((part.x(), part.y(), QgsFeature(feature)))
    return points


# ---------------------------------------------------------------------------- outputs

#: Post-processors handed to QGIS are kept referenced here as well, so that Python
#: never collects one before QGIS has used it (QGIS owns and deletes the C++ side).
_live_post_processors = []

RANK_POINTS, RANK_LINES, RANK_POLYGONS, RANK_RASTER = 10, 20, 30, 40


def geometry_rank(geometry_type):
    """Drawing rank of a vector layer by geometry: points on top of lines on top of
    polygons (rasters go below all, RANK_RASTER)."""
    return {QgsWkbTypes.PointGeometry: RANK_POINTS,
            QgsWkbTypes.LineGeometry: RANK_LINES}.get(geometry_type, RANK_POLYGONS)


def project_layer_styles(qgs_path):
    """The layers of a QGIS project file: {name: (position in the tree, visible,
    QDomElement of its <maplayer>)}, read without opening the project."""
    doc = QDomDocument()
    with open(qgs_path, "rb") as f:
        if not doc.setContent(f.read()):
            return {}
    styles = {}
    nodes = doc.elementsByTagName("maplayer")
    by_id = {}
    for i in range(nodes.count()):
        el = nodes.at(i).toElement()
        by_id[el.firstChildElement("id").text()] = el
    tree = doc.elementsByTagName("layer-tree-layer")
    for i in range(tree.count()):
        el = tree.at(i).toElement()
        name = el.attribute("name")
        styles[name] = (i, el.attribute("checked") == "Qt::Checked", by_id.get(el.attribute("id")))
    return styles


def _read_style(layer, element):
    """Applies the style held in a project's <maplayer> element to ``layer``; returns
    whether it was applied. (QGIS 3.22's Python binding of readStyle wants an error
    message string argument; later ones return it.)"""
    try:
        result = layer.readStyle(element, "", QgsReadWriteContext(), QgsMapLayer.AllStyleCategories)
    except TypeError:
        result = layer.readStyle(element, QgsReadWriteContext(), QgsMapLayer.AllStyleCategories)
    return result[0] if isinstance(result, tuple) else bool(result)


class StyledLayerLoader(QgsProcessingLayerPostProcessorInterface):
    """Runs in the main thread once Processing has added one produced layer to the
    project: applies vigia's style to it and moves it to its rank among the layers of
    the same run (see the module's rule)."""

    def __init__(self, run_id, rank, visible=True, style_element=None):
        super().__init__()
        self.run_id = run_id
        self.rank = rank
        self.visible = visible
        self.style_element = style_element

    def postProcessLayer(self, layer, context, feedback):
        if layer is None:
            return
        if self.style_element is not None:
            if not _read_style(layer, self.style_element) and feedback is not None:
                feedback.pushWarning(f"{layer.name()}: its style in plan.qgs was not applied")
        elif layer.type() == QgsMapLayer.VectorLayer:
            message, ok = layer.loadDefaultStyle()
            if not ok and feedback is not None:
                feedback.pushInfo(f"{layer.name()}: no stored style ({message})")
        layer.setCustomProperty("vigia/run", self.run_id)
        layer.setCustomProperty("vigia/rank", self.rank)
        layer.triggerRepaint()
        project = context.project() if context is not None and context.project() else QgsProject.instance()
        self._place(project, layer)

    def _place(self, project, layer):
        """Moves the layer's tree node above the first layer of its run with a higher
        rank, or below the last one with a lower rank; sets its visibility."""
        node = project.layerTreeRoot().findLayer(layer.id())
        if node is None:
            return
        parent = node.parent()
        siblings = parent.children()
        target = None
        last_lower = None
        for i, sibling in enumerate(siblings):
            if sibling is node or not isinstance(sibling, QgsLayerTreeLayer) or sibling.layer() is None:
                continue
            other = sibling.layer()
            if other.customProperty("vigia/run") != self.run_id:
                continue
            rank = float(other.customProperty("vigia/rank", 0))
            if rank > self.rank and target is None:
                target = i
            if rank <= self.rank:
                last_lower = i + 1
        if target is None:
            target = last_lower
        if target is not None and target != siblings.index(node):
            clone = node.clone()
            parent.insertChildNode(target, clone)
            parent.removeChildNode(node)
            node = clone
        node.setItemVisibilityChecked(self.visible)


def load_on_completion(context, uri, name, rank, run_id, visible=True, style_element=None,
                       raster=False, output_name=""):
    """Asks Processing to add the layer ``uri`` to the run's project when it ends, named
    ``name``, styled and placed by a StyledLayerLoader."""
    project = context.project()
    if project is None:
        return
    hint = QgsProcessingUtils.LayerHint.Raster if raster else QgsProcessingUtils.LayerHint.Vector
    details = QgsProcessingContext.LayerDetails(name, project, output_name, hint)
    details.forceName = True
    loader = StyledLayerLoader(run_id, rank, visible, style_element)
    _live_post_processors.append(loader)
    details.setPostProcessor(loader)
    context.addLayerToLoadOnCompletion(uri, details)


def gpkg_layers(path):
    """The data layers of a GeoPackage, in file order, as (name, geometry rank); the
    style table is left out."""
    from osgeo import ogr
    ds = ogr.Open(path)
    if ds is None:
        return []
    layers = []
    for i in range(ds.GetLayerCount()):
        lyr = ds.GetLayer(i)
        if lyr.GetName() in ("layer_styles",):
            continue
        flat = ogr.GT_Flatten(lyr.GetGeomType())
        if flat in (ogr.wkbPoint, ogr.wkbMultiPoint):
            rank = RANK_POINTS
        elif flat in (ogr.wkbLineString, ogr.wkbMultiLineString):
            rank = RANK_LINES
        elif flat in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
            rank = RANK_POLYGONS
        else:
            rank = RANK_POLYGONS  # attribute-only tables sit with the polygons
        layers.append((lyr.GetName(), rank))
    return layers


def load_folder_outputs(context, folder, gpkgs, rasters, run_id, prefix=""):
    """Loads the named GeoPackages (every layer) and GeoTIFFs of ``folder`` that exist.
    Layer names get ``prefix`` (e.g. the command) so runs stay apart in the tree."""
    for gpkg in gpkgs:
        path = os.path.join(folder, gpkg)
        if not os.path.isfile(path):
            continue
        for i, (layer, rank) in enumerate(gpkg_layers(path)):
            load_on_completion(context, f"{path}|layername={layer}", prefix + layer,
                               rank + i * 0.01, run_id)
    for i, tif in enumerate(rasters):
        path = os.path.join(folder, tif)
        if os.path.isfile(path):
            load_on_completion(context, path, prefix + os.path.splitext(tif)[0],
                               RANK_RASTER + i * 0.01, run_id, raster=True)


def load_plan_package(context, folder, run_id):
    """Loads a plan package the way its plan.qgs shows it: the layers of plan.qgs, in
    its order and visibility; vector layers styled from plan.gpkg's layer_styles,
    rasters from plan.qgs."""
    qgs = os.path.join(folder, "plan.qgs")
    styles = project_layer_styles(qgs) if os.path.isfile(qgs) else {}
    gpkg = os.path.join(folder, "plan.gpkg")
    vector_names = [n for n, _ in gpkg_layers(gpkg)] if os.path.isfile(gpkg) else []
    for name, (position, visible, element) in styles.items():
        if name in vector_names:
            load_on_completion(context, f"{gpkg}|layername={name}", name, position, run_id, visible)
        else:
            path = os.path.join(folder, name + ".tif")
            if os.path.isfile(path) and element is not None:
                load_on_completion(context, path, name, position, run_id, visible,
                                   style_element=element, raster=True)
