"""The vigia QGIS plugin object: registers the Processing provider, and in the QGIS
window adds "Set the vigia executable…" to the Plugins menu."""
from qgis.core import QgsApplication, QgsSettings

from . import runner
from .provider import VigiaProvider


class VigiaPlugin:
    """initProcessing() adds the provider to the Processing registry (QGIS calls it
    for plugins with hasProcessingProvider=yes, also in qgis_process); unload()
    removes it and the menu entry."""

    MENU = "&vigia"

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None
        self.action = None

    def initProcessing(self):
        if self.provider is None:
            self.provider = VigiaProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction
        from .algorithms.base import ICON
        self.action = QAction(QIcon(ICON), "Set the vigia executable…", self.iface.mainWindow())
        self.action.triggered.connect(self.choose_executable)
        self.iface.addPluginToMenu(self.MENU, self.action)

    def choose_executable(self):
        """Asks for the vigia executable and stores it in the QGIS setting the
        algorithms look in first (an empty choice clears the setting)."""
        from qgis.PyQt.QtWidgets import QFileDialog, QMessageBox
        settings = QgsSettings()
        current = settings.value(runner.SETTINGS_KEY, "", type=str)
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), "The vigia executable",
                                              current)
        if not path:
            return
        settings.setValue(runner.SETTINGS_KEY, path)
        try:
            found, where, version = runner.vigia_executable()
            QMessageBox.information(self.iface.mainWindow(), "vigia",
                                     f"vigia {version}\nfound via {where}:\n{found}")
        except Exception as e:  # the message says what is wrong with the choice
            QMessageBox.warning(self.iface.mainWindow(), "vigia", str(e))

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.action is not None and self.iface is not None:
            self.iface.removePluginMenu(self.MENU, self.action)
            self.action = None
