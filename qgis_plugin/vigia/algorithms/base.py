"""The base of every vigia algorithm: identity, parameter helpers and the turning of
parameter values into vigia options.

Rules every algorithm follows:

- One algorithm per vigia command; its id is ``vigia:<name>``, lower case.
- Numeric parameters have the range, unit and default of the vigia option they map
  to (``vigia COMMAND --help``). A parameter with a default is always passed, so the
  command line says what the dialog showed; an optional one without a default
  (``default: the aircraft's``) is passed only when given.
- The exact command line is shown in the log (pushCommandInfo) before vigia runs.
"""
import os
import uuid

from qgis.core import (QgsProcessingAlgorithm, QgsProcessingException, QgsProcessingFeedback,
                       QgsProcessingParameterBoolean, QgsProcessingParameterDefinition,
                       QgsProcessingParameterEnum, QgsProcessingParameterNumber)
from qgis.PyQt.QtGui import QIcon

from .. import layers, runner

ICON = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "icon.svg")

#: Aircraft presets built into vigia (planner/src/aircraft.cpp): (label, CLI value).
AIRCRAFT = [("Mohajer-6 class (mohajer6)", "mohajer6")]
#: Sensor tasks (docs/scenario.md [sensor] task): slant range and target height.
TASKS = [("person-detect (6.9 km)", "person-detect"),
         ("person-recognise (1.7 km)", "person-recognise"),
         ("person-identify (1.1 km)", "person-identify"),
         ("vehicle-detect (21 km)", "vehicle-detect"),
         ("vehicle-recognise (5.3 km)", "vehicle-recognise"),
         ("vehicle-identify (3.3 km)", "vehicle-identify")]
TASK_DEFAULT = 3  # vehicle-detect
#: Largest value of an integer parameter (QGIS integer widgets are 32-bit).
INT_MAX = 2147483647


def advanced(param):
    """Marks a parameter as advanced (shown folded in the dialog) and returns it."""
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


def given(parameters, name):
    """Whether the optional parameter ``name`` has a value (not missing, None or '')."""
    value = parameters.get(name)
    return value is not None and value != ""


class VigiaAlgorithm(QgsProcessingAlgorithm):
    """An algorithm that runs one vigia command. Subclasses set the class attributes
    and implement initAlgorithm and processAlgorithm with the helpers below."""

    #: The algorithm's name (its id without ``vigia:``).
    NAME = ""
    #: The vigia command it runs.
    COMMAND = ""
    DISPLAY = ""
    GROUP = ""
    GROUP_ID = ""
    #: Short help: what it does and the vigia command it runs (HTML allowed).
    HELP = ""

    def name(self):
        return self.NAME

    def displayName(self):
        return self.DISPLAY

    def group(self):
        return self.GROUP

    def groupId(self):
        return self.GROUP_ID

    def shortHelpString(self):
        return self.HELP

    def icon(self):
        return QIcon(ICON)

    def createInstance(self):
        return type(self)()

    # ------------------------------------------------------------------ parameters

    def add_number(self, name, description, minimum, maximum, default=None, optional=False,
                   integer=False, is_advanced=False):
        """Adds a number parameter with vigia's range and default."""
        kind = QgsProcessingParameterNumber.Integer if integer else QgsProcessingParameterNumber.Double
        param = QgsProcessingParameterNumber(name, description, kind, default, optional,
                                             minimum, maximum)
        self.addParameter(advanced(param) if is_advanced else param)
        return param

    def add_enum(self, name, description, options, default=0, is_advanced=False, optional=False):
        """Adds an enum of (label, CLI value) options; the labels are shown."""
        param = QgsProcessingParameterEnum(name, description, [label for label, _ in options],
                                           False, default, optional)
        self.addParameter(advanced(param) if is_advanced else param)
        return param

    def add_bool(self, name, description, default=False, is_advanced=False):
        param = QgsProcessingParameterBoolean(name, description, default)
        self.addParameter(advanced(param) if is_advanced else param)
        return param

    def add_threads(self):
        """--threads: 0 = all cores (vigia's default)."""
        self.add_number("THREADS", "Threads (0 = all cores)", 0, 1024, 0, integer=True,
                        is_advanced=True)

    # ------------------------------------------------------- values to vigia options

    def number(self, parameters, name, context, integer=False):
        """The parameter's value as an int or a float: the value given, else the
        parameter's default; None when neither (an optional number left empty)."""
        if not given(parameters, name) and self.parameterDefinition(name).defaultValue() is None:
            return None
        if integer:
            return self.parameterAsInt(parameters, name, context)
        return self.parameterAsDouble(parameters, name, context)

    def number_option(self, args, parameters, name, option, context, integer=False):
        """Appends ``option VALUE`` when the parameter has a value."""
        value = self.number(parameters, name, context, integer)
        if value is not None:
            args += [option, layers.format_number(value)]

    def enum_value(self, parameters, name, context, options):
        """The CLI value of the chosen enum option."""
        return options[self.parameterAsEnum(parameters, name, context)][1]

    def enum_option(self, args, parameters, name, option, context, options):
        args += [option, self.enum_value(parameters, name, context, options)]

    def flag_option(self, args, parameters, name, option, context):
        """Appends the flag ``option`` when the boolean parameter is true."""
        if self.parameterAsBoolean(parameters, name, context):
            args.append(option)

    # -------------------------------------------------------------------- running

    def start(self, feedback):
        """A feedback to report to (Processing may pass none), a new temporary work
        folder and a run id tying the layers of this run together."""
        return (feedback if feedback is not None else QgsProcessingFeedback(),
                layers.work_folder(), uuid.uuid4().hex)

    def run_command(self, args, feedback, ok_codes=(0,)):
        """Runs ``vigia COMMAND ARGS...`` (see runner.run_vigia)."""
        return runner.run_vigia([self.COMMAND] + list(args), feedback, ok_codes)


def prepare_output_folder(path):
    """vigia creates its output folder itself. An existing but empty folder (one picked
    or made in a folder dialog) is removed first, so that vigia sees a free name;
    restore_output_folder() puts it back when the run fails. Returns whether it was
    removed. os.rmdir never removes a folder holding anything."""
    if os.path.isdir(path) and not os.listdir(path):
        os.rmdir(path)
        return True
    return False


def restore_output_folder(path, removed):
    """Recreates the empty output folder prepare_output_folder() removed, when vigia
    did not create it again."""
    if removed and not os.path.exists(path):
        os.makedirs(path)


def output_folder(alg, parameters, name, context):
    """The folder-destination parameter as an absolute path; an empty value is an error."""
    path = alg.parameterAsFileOutput(parameters, name, context)
    if not path:
        raise QgsProcessingException(f"{name}: no output folder given")
    return os.path.abspath(path)
