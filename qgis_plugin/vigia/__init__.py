"""vigia for QGIS: the vigia commands as Processing algorithms (docs/qgis.md)."""


def classFactory(iface):
    """Called by QGIS when the plugin loads; returns the plugin object."""
    from .plugin import VigiaPlugin
    return VigiaPlugin(iface)
