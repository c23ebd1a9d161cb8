"""The vigia Processing provider: the algorithms in the toolbox under "vigia"."""
from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import runner
from .algorithms import ALGORITHMS
from .algorithms.base import ICON


class VigiaProvider(QgsProcessingProvider):
    """Provider id and name "vigia"; one algorithm per vigia command. Rasters are
    written as GeoTIFF (the only format vigia writes)."""

    def id(self):
        return "vigia"

    def name(self):
        return "vigia"

    def longName(self):
        return f"vigia — terrain-aware UAV border surveillance (plugin {runner.plugin_version()})"

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):
        return ICON

    def versionInfo(self):
        """Shown in every algorithm's log: the plugin's version and the vigia it runs
        (or why none runs); never raises."""
        try:
            _, _, vigia = runner.vigia_executable()
        except Exception as e:  # the log line says what is wrong
            vigia = f"not usable: {e}"
        return f"plugin {runner.plugin_version()}, vigia {vigia}"

    def loadAlgorithms(self):
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]

    def defaultRasterFileExtension(self):
        return "tif"
