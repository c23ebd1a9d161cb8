"""Finding the vigia executable and running it for a Processing algorithm.

The rules, in the order the algorithms meet them:

- Where vigia is: the first of (1) the QGIS setting ``vigia/executable``, (2) the
  environment variable ``VIGIA_EXECUTABLE``, (3) ``bin/vigia`` inside this plugin's
  folder, (4) ``vigia`` on ``PATH``, that names an executable file. When none does,
  the error names every place looked in and what was found there.
- Which vigia: ``vigia --version`` must print a version at least ``MIN_VERSION``
  (the first release with ``VIGIA_PROGRESS=lines``); an older one is refused with
  its version and where it was found.
- How it runs: with ``VIGIA_PROGRESS=lines`` in its environment, so that its stderr
  carries ``vigia-progress PERCENT STAGE`` lines. They become the progress bar and
  its text; ``vigia: warning: ...`` lines become Processing warnings; the error line
  ``vigia: error: ...`` becomes the algorithm's exception; any other line is logged.
- Cancelling: the Processing feedback is polled every 0.1 s; once it is cancelled,
  vigia gets SIGINT (as Ctrl-C), which makes it stop, remove what it was writing and
  exit with 130. The algorithm then raises a ``QgsProcessingException`` saying it was
  cancelled, so that no result is reported for a run that wrote nothing.
"""
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time

from qgis.core import QgsProcessingException, QgsSettings

#: The oldest vigia this plugin runs: it needs VIGIA_PROGRESS=lines and SIGINT handling.
MIN_VERSION = (0, 1, 0)
#: QgsSettings key holding the path of the vigia executable (first place looked in).
SETTINGS_KEY = "vigia/executable"
#: Environment variable holding the path of the vigia executable (second place).
ENV_KEY = "VIGIA_EXECUTABLE"
#: vigia's exit status when SIGINT or SIGTERM stopped it (docs/cli.md).
EXIT_INTERRUPTED = 130
#: How long vigia may take to stop after SIGINT before it is killed, seconds.
STOP_GRACE_S = 30.0

_PROGRESS = re.compile(r"^vigia-progress (\d{1,3}) (.*)$")
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_version_cache = {}


def plugin_dir():
    """The folder of this plugin (the one holding metadata.txt)."""
    return os.path.dirname(os.path.abspath(__file__))


def plugin_version():
    """The plugin's version, read from metadata.txt (``version=...``)."""
    with open(os.path.join(plugin_dir(), "metadata.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("version="):
                return line.split("=", 1)[1].strip()
    return "unknown"


def _is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def places_looked_in():
    """Every place vigia may be, in the order looked in: (description, path or None).

    A place that is not set (no setting, no environment variable, no vigia on PATH)
    has path None.
    """
    setting = QgsSettings().value(SETTINGS_KEY, "", type=str) or None
    env = os.environ.get(ENV_KEY) or None
    bundled = os.path.join(plugin_dir(), "bin", "vigia")
    on_path = shutil.which("vigia")
    return [
        (f"QGIS setting '{SETTINGS_KEY}'", setting),
        (f"environment variable {ENV_KEY}", env),
        ("the plugin's bin folder", bundled),
        ("PATH", on_path),
    ]


def _restore_bundled_mode(path):
    """QGIS's "Install from ZIP" unpacks without Unix permissions, so a vigia shipped
    in the plugin's bin folder loses its executable bit; give it back (the file is
    the plugin's own)."""
    if os.path.isfile(path) and not os.access(path, os.X_OK):
        try:
            os.chmod(path, os.stat(path).st_mode | 0o755)
        except OSError:
            pass


def find_executable():
    """The vigia executable to run and where it was found: (path, description).

    Raises QgsProcessingException naming every place looked in when none holds an
    executable file.
    """
    _restore_bundled_mode(os.path.join(plugin_dir(), "bin", "vigia"))
    tried = []
    for where, path in places_looked_in():
        if _is_executable(path):
            return os.path.abspath(path), where
        if path is None:
            tried.append(f"{where}: not set")
        else:
            tried.append(f"{where}: {path} is not an executable file")
    raise QgsProcessingException(
        "vigia executable not found. Looked in: " + "; ".join(tried) +
        f". Set it with QgsSettings().setValue('{SETTINGS_KEY}', '/path/to/vigia'), "
        f"the {ENV_KEY} environment variable, or put vigia on PATH.")


def parse_version(text):
    """The first X.Y.Z in ``text`` as a tuple of ints, or None."""
    m = _VERSION.search(text or "")
    return tuple(int(g) for g in m.groups()) if m else None


def executable_version(path):
    """What ``PATH --version`` prints (first line) and its X.Y.Z tuple; cached per file
    and modification time, so that a replaced executable is asked again."""
    key = (path, os.path.getmtime(path))
    if key not in _version_cache:
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as e:
            raise QgsProcessingException(f"vigia at {path} cannot be run: {e}")
        text = (out.stdout or out.stderr).strip().splitlines()
        line = text[0] if text else ""
        _version_cache[key] = (line, parse_version(line))
    return _version_cache[key]


def vigia_executable():
    """The vigia to run: found by find_executable() and checked to be at least
    MIN_VERSION. Returns (path, description of where, version line)."""
    path, where = find_executable()
    line, version = executable_version(path)
    wanted = ".".join(str(v) for v in MIN_VERSION)
    if version is None:
        raise QgsProcessingException(
            f"vigia at {path} (from {where}) did not print a version for --version "
            f"(printed {line!r}); this plugin needs vigia {wanted} or later")
    if version < MIN_VERSION:
        raise QgsProcessingException(
            f"vigia at {path} (from {where}) is version {line}; this plugin needs "
            f"vigia {wanted} or later")
    return path, where, line


class VigiaResult:
    """What one vigia run left: its exit status and its stdout and stderr lines."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def error_line(self):
        """vigia's one error line (the last ``vigia: error:`` line), or None."""
        errors = [l for l in self.stderr if l.startswith("vigia: error:")]
        return errors[-1] if errors else None


def _pump(stream, name, lines):
    """Reads a pipe line by line into a queue; (name, None) marks its end."""
    for raw in iter(stream.readline, ""):
        lines.put((name, raw.rstrip("\r\n")))
    stream.close()
    lines.put((name, None))


class _StderrHandler:
    """Turns vigia's stderr lines into Processing feedback (see the module's rules)."""

    def __init__(self, feedback):
        self.feedback = feedback
        self.stage = None

    def __call__(self, line):
        m = _PROGRESS.match(line)
        if m:
            percent, stage = min(100, int(m.group(1))), m.group(2)
            if stage != self.stage:
                self.stage = stage
                self.feedback.setProgressText(f"vigia: {stage}")
            self.feedback.setProgress(percent)
        elif line.startswith("vigia: warning:"):
            self.feedback.pushWarning(line)
        elif line.startswith("vigia: error:"):
            pass  # reported once, with the exception, after vigia exits
        elif line.strip():
            self.feedback.pushInfo(line)


def command_line(args):
    """The command as one shell line (what pushCommandInfo shows and a user can paste)."""
    return shlex.join(str(a) for a in args)


def run_vigia(arguments, feedback, ok_codes=(0,)):
    """Runs ``vigia ARGUMENTS...`` and returns its VigiaResult.

    ``arguments`` come after the executable (the command name first). Exit statuses
    in ``ok_codes`` are success; any other raises QgsProcessingException carrying
    vigia's error line (also reported with feedback.reportError). A cancelled run
    raises QgsProcessingException("... cancelled ...") after vigia has stopped.
    """
    exe, where, version = vigia_executable()
    if feedback.isCanceled():
        raise QgsProcessingException("Cancelled before vigia started; nothing was written")
    args = [exe] + [str(a) for a in arguments]
    feedback.pushInfo(f"vigia {version} ({where}: {exe})")
    feedback.pushCommandInfo(command_line(args))
    env = dict(os.environ)
    env["VIGIA_PROGRESS"] = "lines"
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                errors="replace", bufsize=1, env=env)
    except OSError as e:
        raise QgsProcessingException(f"vigia at {exe} cannot be started: {e}")
    lines = queue.Queue()
    readers = [threading.Thread(target=_pump, args=(proc.stdout, "stdout", lines), daemon=True),
               threading.Thread(target=_pump, args=(proc.stderr, "stderr", lines), daemon=True)]
    for t in readers:
        t.start()
    on_stderr = _StderrHandler(feedback)
    stdout, stderr = [], []
    open_streams = 2
    cancelled_at = None
    killed = False
    try:
        while open_streams:
            try:
                name, line = lines.get(timeout=0.1)
            except queue.Empty:
                name = None
            if name is not None:
                if line is None:
                    open_streams -= 1
                elif name == "stdout":
                    stdout.append(line)
                    feedback.pushInfo(line)
                else:
                    stderr.append(line)
                    on_stderr(line)
            if cancelled_at is None and feedback.isCanceled():
                cancelled_at = time.monotonic()
                feedback.pushInfo("Cancelling: sending SIGINT to vigia")
                _signal(proc, signal.SIGINT)
            elif (cancelled_at is not None and not killed
                  and time.monotonic() - cancelled_at > STOP_GRACE_S):
                killed = True
                feedback.pushWarning(f"vigia did not stop within {STOP_GRACE_S:.0f} s of SIGINT; "
                                     "killing it (its staging files may be left behind)")
                proc.kill()
    except BaseException:
        # Whatever went wrong here (a feedback object gone, an interrupt), vigia must
        # not run on unwatched: stop it as Cancel does, and wait for it.
        _signal(proc, signal.SIGINT)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
    returncode = proc.wait()
    for t in readers:
        t.join(timeout=1.0)
    result = VigiaResult(returncode, stdout, stderr)
    if cancelled_at is not None:
        if returncode == EXIT_INTERRUPTED:
            message = f"Cancelled: vigia stopped (exit {returncode}); nothing was written"
        elif returncode < 0:
            message = (f"Cancelled: vigia was ended by signal {-returncode} "
                       + ("before it started its work; nothing was written" if not killed
                          else "after it ignored SIGINT; see the log for what it left"))
        elif returncode in ok_codes:
            message = (f"Cancelled: vigia had already finished (exit {returncode}); its outputs "
                       "are complete but not reported")
        else:
            message = f"Cancelled: vigia ended with exit {returncode}; see the log for what it left"
        feedback.reportError(message, False)
        raise QgsProcessingException(message)
    if returncode not in ok_codes:
        message = result.error_line()
        if message is None:
            if returncode == EXIT_INTERRUPTED:
                message = "vigia was interrupted from outside QGIS (exit 130); nothing was written"
            else:
                tail = " | ".join(l for l in stderr[-3:] if not _PROGRESS.match(l))
                message = f"vigia failed with exit status {returncode}" + (f": {tail}" if tail else "")
        feedback.reportError(message, True)
        raise QgsProcessingException(message)
    return result


def _signal(proc, sig):
    """Sends ``sig`` to vigia unless it has already ended."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
