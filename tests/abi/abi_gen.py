#!/usr/bin/env python3
"""Generate the list of ABI facts tests/abi checks, from Parvus's public headers.

Every header under common/include/public is compiled twice by gcc: once for its macros
(gcc -E -dM) and once with full debug info for its types (DWARF, read back with readelf).
The same is done for the Xen headers of the same names in /usr/include/xen. Whatever Parvus
defines becomes one line of abi_items.h: a constant to compare by value and type, a type to
compare by size and alignment, a field to compare by offset and size. Both sides of the test
compile that same list against their own headers, so the compiler measures both. Names
Parvus defines and Xen does not, names in the allow-list that no longer exist, and
function-like macros nobody said how to check become failures reported by the test.

Xen's headers have two views. A guest sees the plain one; the toolstack defines
__XEN_TOOLS__ and sees more (domctl.h, sysctl.h, the uint64_aligned_t fields they use, the
arch domain configuration), and also a slightly different struct cpu_user_regs. Each Parvus
name is compared with the guest view when Xen's guest view has it, and with the tools view
otherwise, so the guest ABI stays exactly the guest's. The two lists are abi_items.h and
abi_tools_items.h, each measured by its own pair of translation units.

Usage: abi_gen.py --cc gcc --parvus common/include --xen /usr/include --out DIR
                  --allow tests/abi/allowlist.txt --calls tests/abi/macro-calls.txt
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

STD_HEADERS = "#include <stdint.h>\n#include <stddef.h>\n#include <stdbool.h>\n"
XEN_VERSION_FLAG = "-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__"
XEN_TOOLS_DEFINE = "#define __XEN_TOOLS__ 1\n"
VIEWS = ("guest", "tools")
ITEMS_FILE = {"guest": "abi_items.h", "tools": "abi_tools_items.h"}
# Xen's headers that stop with #error unless __XEN_TOOLS__ (or __XEN__) is defined.
TOOLS_ONLY_HEADERS = ("domctl.h", "sysctl.h")


def die(message):
    sys.stderr.write("abi_gen: " + message + "\n")
    sys.exit(1)


def run(args):
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        die("command failed: %s\n%s" % (" ".join(args), result.stderr))
    return result.stdout


# ---------------------------------------------------------------- macros (gcc -E -dM)

DEFINE_RE = re.compile(r"#define ([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?(?: (.*))?$")


def read_macros(cc, flags, source, workdir):
    """name -> (is_function_like, body) for every macro defined after preprocessing."""
    path = os.path.join(workdir, "macros.c")
    with open(path, "w") as f:
        f.write(source)
    macros = {}
    for line in run([cc] + flags + ["-E", "-dM", path]).splitlines():
        m = DEFINE_RE.match(line)
        if m:
            macros[m.group(1)] = (m.group(2) is not None, (m.group(3) or "").strip())
    return macros


# ---------------------------------------------------------------- types (DWARF)

DIE_RE = re.compile(r"^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: \d+ \((DW_TAG_\w+)\)")
ATTR_RE = re.compile(r"^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$")


class Die:
    def __init__(self, offset, tag):
        self.offset = offset
        self.tag = tag
        self.attrs = {}
        self.children = []

    def value(self, attr):
        """An attribute's value without readelf's "(form)" and string-offset prefixes."""
        value = self.attrs.get(attr)
        if value is None:
            return None
        value = re.sub(r"^\([\w ]+\)\s*", "", value.strip())
        return re.sub(r"^\((?:indirect (?:line )?string, )?offset: (?:0x)?[0-9a-f]+\):\s*", "", value)

    def name(self):
        return self.value("DW_AT_name")

    def number(self, attr):
        value = self.value(attr)
        return None if value is None else int(value.split()[0], 0)

    def ref(self):
        m = re.search(r"<0x([0-9a-f]+)>", self.attrs.get("DW_AT_type", ""))
        return int(m.group(1), 16) if m else None


def read_dies(cc, flags, source, workdir):
    """Compile source with every declared type kept in the debug info; return the DIEs."""
    src = os.path.join(workdir, "types.c")
    obj = os.path.join(workdir, "types.o")
    with open(src, "w") as f:
        f.write(source)
    run([cc] + flags + ["-g", "-gdwarf-4", "-fno-eliminate-unused-debug-types", "-c", src,
                        "-o", obj])
    dies = {}
    stack = []
    top = []
    current = None
    for line in run(["readelf", "--wide", "--debug-dump=info", obj]).splitlines():
        m = DIE_RE.match(line)
        if m:
            depth, offset, tag = int(m.group(1)), int(m.group(2), 16), m.group(3)
            current = Die(offset, tag)
            dies[offset] = current
            del stack[depth:]
            if depth == 1:
                top.append(current)
            elif depth > 1 and stack:
                stack[-1].children.append(current)
            stack.append(current)
            continue
        m = ATTR_RE.match(line)
        if m and current is not None:
            current.attrs[m.group(1)] = m.group(2)
    return dies, top


def strip_qualifiers(dies, die):
    while die is not None and die.tag in ("DW_TAG_const_type", "DW_TAG_volatile_type"):
        die = dies.get(die.ref())
    return die


def resolve(dies, die):
    """Follow typedefs and qualifiers to the underlying type."""
    die = strip_qualifiers(dies, die)
    while die is not None and die.tag == "DW_TAG_typedef":
        die = strip_qualifiers(dies, dies.get(die.ref()))
    return die


def is_scalar(die):
    return die is not None and die.tag in (
        "DW_TAG_base_type", "DW_TAG_enumeration_type", "DW_TAG_pointer_type")


def is_flexible_array(dies, die):
    if die is None or die.tag != "DW_TAG_array_type":
        return False
    ranges = [c for c in die.children if c.tag == "DW_TAG_subrange_type"]
    return bool(ranges) and all(
        "DW_AT_upper_bound" not in r.attrs and "DW_AT_count" not in r.attrs for r in ranges)


def flatten_members(dies, aggregate, prefix, out):
    """Append (path, kind) for every named member reachable without naming another type.

    Members of anonymous structs and unions, and of unnamed struct types used for a named
    member (or an array of them), belong to the enclosing type: no other check sees them.
    kind is 'scalar', 'flex' (flexible array), 'bitfield' or 'plain'.
    """
    for member in aggregate.children:
        if member.tag != "DW_TAG_member":
            continue
        if "DW_AT_bit_size" in member.attrs:
            # offsetof and sizeof cannot measure one; only Xen's headers use them (hvm/save.h).
            out.append((prefix + member.name(), "bitfield"))
            continue
        member_type = dies.get(member.ref())
        under = resolve(dies, member_type)
        name = member.name()
        if name is None:
            flatten_members(dies, under, prefix, out)
            continue
        path = prefix + name
        if is_flexible_array(dies, under):
            out.append((path, "flex"))
            continue
        out.append((path, "scalar" if is_scalar(under) else "plain"))
        # An unnamed struct type is reached only through this member (not through a typedef).
        inner = strip_qualifiers(dies, member_type)
        suffix = "."
        if inner is not None and inner.tag == "DW_TAG_array_type":
            inner = strip_qualifiers(dies, dies.get(inner.ref()))
            suffix = "[0]."
        if (inner is not None and inner.tag in ("DW_TAG_structure_type", "DW_TAG_union_type")
                and inner.name() is None):
            flatten_members(dies, inner, path + suffix, out)


TAG_KEYWORD = {
    "DW_TAG_structure_type": "struct",
    "DW_TAG_union_type": "union",
    "DW_TAG_enumeration_type": "enum",
}


def collect_names(dies, top):
    """The declarations one translation unit makes, keyed by how C names them.

    types:       "struct x" / "union x" / "enum x" / typedef name -> kind ('scalar', 'other')
    members:     type name -> [(path, kind)] for types whose members are checked under it
    enumerators: name -> value
    variables:   name
    """
    types, members, enumerators, variables = {}, {}, {}, set()
    for d in dies.values():
        if d.tag in TAG_KEYWORD and d.name() and "DW_AT_declaration" not in d.attrs:
            key = TAG_KEYWORD[d.tag] + " " + d.name()
            types[key] = "scalar" if d.tag == "DW_TAG_enumeration_type" else "other"
            if d.tag != "DW_TAG_enumeration_type":
                members[key] = []
                flatten_members(dies, d, "", members[key])
        if d.tag == "DW_TAG_enumerator":
            enumerators[d.name()] = d.number("DW_AT_const_value")
    for d in top:
        if d.tag == "DW_TAG_typedef":
            target = resolve(dies, d)
            types[d.name()] = "scalar" if is_scalar(target) else "other"
            direct = strip_qualifiers(dies, dies.get(d.ref()))
            if (direct is not None and direct.tag in ("DW_TAG_structure_type", "DW_TAG_union_type")
                    and direct.name() is None):
                members[d.name()] = []
                flatten_members(dies, direct, "", members[d.name()])
        elif d.tag == "DW_TAG_variable" and d.name():
            variables.add(d.name())
    return types, members, enumerators, variables


# ---------------------------------------------------------------- inputs

def header_guards(root, headers):
    """Include-guard macros: the first #ifndef of a file, defined on the next line."""
    guards = set()
    for rel in headers:
        with open(os.path.join(root, "public", rel)) as f:
            text = f.read()
        m = re.search(r"^#ifndef\s+(\w+)\s*\n#define\s+(\w+)\s*$", text, re.M)
        if m and m.group(1) == m.group(2):
            guards.add(m.group(1))
    return guards


def read_list(path):
    """Allow-list entries, one a line: "NAME: why it cannot be checked"."""
    entries = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(":")
            entries.append((name.strip(), reason.strip(), number))
    return entries


def read_calls(path):
    """Function-like macro calls to evaluate on both sides: NAME(ARGS) per line."""
    calls = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.match(r"([A-Za-z_]\w*)\s*\(.*\)$", line)
            if not m:
                die("%s:%d: expected NAME(ARGS), got %r" % (path, number, line))
            calls.append((m.group(1), line))
    return calls


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- main

class XenView:
    """What one view of Xen's headers defines (see the module comment)."""

    def __init__(self, macros, dies, top):
        self.macros = macros
        self.types, self.members, self.enums, self.variables = collect_names(dies, top)

    def has_constant(self, name):
        return (name in self.macros and not self.macros[name][0]) or name in self.enums

    def has_function_macro(self, name):
        return name in self.macros and self.macros[name][0]

    def has_type(self, name):
        return name in self.types or (name in self.macros and not self.macros[name][0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cc", default="gcc")
    parser.add_argument("--parvus", required=True, help="include dir holding public/")
    parser.add_argument("--xen", required=True, help="include dir holding xen/")
    parser.add_argument("--allow", required=True)
    parser.add_argument("--calls", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    public = os.path.join(args.parvus, "public")
    headers = sorted(
        os.path.relpath(os.path.join(d, f), public)
        for d, _, files in os.walk(public) for f in files if f.endswith(".h"))
    if not headers:
        die("no headers under " + public)
    xen_headers = [h for h in headers if os.path.exists(os.path.join(args.xen, "xen", h))]

    parvus_includes = "".join("#include <public/%s>\n" % h for h in headers)
    # Some of Xen's headers only work after xen.h (xen-x86_64.h needs its guest handles).
    # The guest view leaves out the headers that refuse to compile without __XEN_TOOLS__.
    xen_includes = {
        "guest": "#include <xen/xen.h>\n" + "".join(
            "#include <xen/%s>\n" % h for h in xen_headers if h not in TOOLS_ONLY_HEADERS),
        "tools": XEN_TOOLS_DEFINE + "#include <xen/xen.h>\n" + "".join(
            "#include <xen/%s>\n" % h for h in xen_headers),
    }
    base_flags = ["-std=gnu11"]
    parvus_flags = base_flags + ["-I" + args.parvus]
    xen_flags = base_flags + ["-I" + args.xen, XEN_VERSION_FLAG]

    xen = {}
    with tempfile.TemporaryDirectory() as work:
        baseline_macros = read_macros(args.cc, base_flags, STD_HEADERS, work)
        parvus_macros = read_macros(args.cc, parvus_flags, STD_HEADERS + parvus_includes, work)
        base_dies, base_top = read_dies(args.cc, base_flags, STD_HEADERS, work)
        p_dies, p_top = read_dies(args.cc, parvus_flags, STD_HEADERS + parvus_includes, work)
        for view in VIEWS:
            source = STD_HEADERS + xen_includes[view]
            macros = read_macros(args.cc, xen_flags, source, work)
            dies, top = read_dies(args.cc, xen_flags, source, work)
            xen[view] = XenView(macros, dies, top)

    base_types, _, base_enums, base_vars = collect_names(base_dies, base_top)
    p_types, p_members, p_enums, p_vars = collect_names(p_dies, p_top)
    for name in base_types:
        p_types.pop(name, None)
        p_members.pop(name, None)
    for name in base_enums:
        p_enums.pop(name, None)
    p_vars -= base_vars

    guards = header_guards(args.parvus, headers)
    p_macros = {n: v for n, v in parvus_macros.items()
                if n not in baseline_macros and n not in guards}

    allow = {}
    for name, reason, number in read_list(args.allow):
        if not reason:
            die("%s:%d: %s needs a reason" % (args.allow, number, name))
        allow[name] = reason
    calls = read_calls(args.calls)
    called = {name for name, _ in calls}

    lines = {view: [] for view in VIEWS}
    counts = {"constants": 0, "types": 0, "fields": 0}

    def missing(label, why):
        lines["guest"].append("ABI_MISSING(%s, %s)" % (c_string(label), c_string(why)))

    def view_of(has):
        """The first view of Xen's headers for which has(view) holds, or None."""
        return next((view for view in VIEWS if has(xen[view])), None)

    # Constants: object-like macros and enumerators.
    for name in sorted(set(p_macros) | set(p_enums)):
        function_like = name in p_macros and p_macros[name][0]
        if function_like:
            continue
        view = view_of(lambda x: x.has_constant(name))
        if name in allow:
            if view:
                missing(name, "allow-listed, but Xen defines it too: check it instead")
            continue
        if not view:
            missing(name, "Parvus defines this constant, Xen's headers do not")
        elif name in p_macros and p_macros[name][1] == "":
            lines[view].append("ABI_TEXT(%s)" % name)
            counts["constants"] += 1
        else:
            lines[view].append("ABI_CONSTANT(%s)" % name)
            counts["constants"] += 1

    # Function-like macros: evaluated on the calls listed, or allow-listed.
    for name in sorted(n for n, (fl, _) in p_macros.items() if fl):
        if name in allow and name in called:
            missing(name, "both allow-listed and listed for evaluation")
        elif name not in allow and name not in called:
            missing(name, "function-like macro: add calls to macro-calls.txt or allow-list it")
    for name, call in calls:
        view = view_of(lambda x: x.has_function_macro(name))
        if name not in p_macros or not p_macros[name][0]:
            missing(call, "macro-calls.txt names a function-like macro Parvus does not define")
        elif not view:
            missing(call, "Xen's headers have no function-like macro %s" % name)
        else:
            lines[view].append("ABI_CALL(%s, %s)" % (c_string(call), call))
            counts["constants"] += 1

    # Types, and the fields of each.
    xen_field_labels = set()
    for name in sorted(p_types):
        view = view_of(lambda x: x.has_type(name))
        if name in allow:
            if view and name in xen[view].types:
                missing(name, "allow-listed, but Xen defines it too: check it instead")
            continue
        if not view:
            missing(name, "Parvus defines this type, Xen's headers do not")
            continue
        lines[view].append(
            "ABI_TYPE%s(%s)" % ("_SCALAR" if p_types[name] == "scalar" else "", name))
        counts["types"] += 1
        parvus_fields = p_members.get(name, [])
        xen_fields = dict(xen[view].members.get(name, []))
        xen_field_labels |= {"%s.%s" % (name, path) for path in xen_fields}
        for path, kind in parvus_fields:
            label = "%s.%s" % (name, path)
            if kind == "bitfield":
                die("bit-field %s is not supported by the ABI test" % label)
            if label in allow:
                if path in xen_fields:
                    missing(label, "allow-listed, but Xen has this field too: check it instead")
                continue
            if path not in xen_fields:
                missing(label, "Parvus has this field, Xen's %s does not" % name)
                continue
            macro = {"scalar": "ABI_FIELD_SCALAR", "flex": "ABI_FIELD_FLEX"}.get(kind, "ABI_FIELD")
            lines[view].append("%s(%s, %s)" % (macro, name, path))
            counts["fields"] += 1
        parvus_paths = {path for path, _ in parvus_fields}
        for path in xen_fields:
            label = "%s.%s" % (name, path)
            if path not in parvus_paths and label not in allow:
                missing(label, "Xen's %s has this field, Parvus's does not" % name)

    # Objects declared in headers: compared by size.
    for name in sorted(p_vars):
        if name in allow:
            continue
        view = view_of(lambda x: name in x.variables)
        if not view:
            missing(name, "Parvus declares this object, Xen's headers do not")
        else:
            lines[view].append("ABI_VARIABLE(%s)" % name)
            counts["types"] += 1

    # Allow-list entries must still name something.
    field_labels = {"%s.%s" % (t, p) for t, fields in p_members.items() for p, _ in fields}
    field_labels |= xen_field_labels
    known = set(p_macros) | set(p_enums) | set(p_types) | p_vars | field_labels
    for name in sorted(allow):
        if name not in known:
            missing(name, "the allow-list names something Parvus no longer defines")

    os.makedirs(args.out, exist_ok=True)
    for view in VIEWS:
        items = ITEMS_FILE[view]
        write(os.path.join(args.out, items),
              "/* Generated by tests/abi/abi_gen.py from common/include/public: do not edit. */\n"
              "/* Compared with the %s view of Xen's headers; %d constants, %d types, %d fields in "
              "all. */\n" % (view, counts["constants"], counts["types"], counts["fields"]) +
              "\n".join(lines[view]) + "\n")
        suffix = "" if view == "guest" else "_" + view
        write(os.path.join(args.out, "parvus%s_side.c" % suffix), side_source(
            "Parvus's own headers", STD_HEADERS + parvus_includes, "abi_parvus" + suffix, items))
        write(os.path.join(args.out, "xen%s_side.c" % suffix), side_source(
            "the %s view of Xen's headers from libxen-dev" % view,
            STD_HEADERS + xen_includes[view], "abi_xen" + suffix, items))


def side_source(what, includes, array, items):
    return ("/* Generated by tests/abi/abi_gen.py: the ABI items measured against %s. */\n"
            "%s\n#define ABI_ITEMS_ARRAY %s_items\n#define ABI_ITEMS_COUNT %s_count\n"
            "#define ABI_ITEMS_FILE \"%s\"\n#include \"abi_side.h\"\n" % (
                what, includes, array, array, items))


def write(path, text):
    """Write only when the contents change, so make does not rebuild needlessly."""
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
