"""Writing a vigia scenario file (TOML, docs/scenario.md) from Python values.

The rule: a scenario is a list of (header, fields) pairs written in order; a header
``"name"`` gives a ``[name]`` table and ``"[name]"`` an array-of-tables entry
``[[name]]``. Fields whose value is None are left out (vigia then takes its
default). Strings are TOML basic strings with backslash, quote and control
characters escaped; floats keep every digit (repr); lists are inline arrays. Paths
are written as given (the algorithms give absolute paths, so the scenario does not
depend on where it is written).
"""

import os


def toml_string(text):
    """A TOML basic string holding ``text`` exactly."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value):
    """A Python bool, int, float, str or list as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} cannot go into a scenario")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return toml_string(value)


def scenario_text(sections, comment=None):
    """The TOML text of ``sections`` (see the module's rule)."""
    lines = []
    if comment:
        lines += [f"# {line}" for line in comment.splitlines()]
    for header, fields in sections:
        if lines:
            lines.append("")
        lines.append(f"[{header}]")  # "[bases]" gives [[bases]]
        for key, value in fields.items():
            if value is not None:
                lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_scenario(path, sections, comment=None):
    """Writes the scenario to ``path`` (UTF-8) and returns the path. The text is made
    first and written to a new file beside ``path``, then renamed over it: a scenario
    that cannot be made leaves an existing file as it was."""
    text = scenario_text(sections, comment)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path
