"""Two gaps of Wine 10.0 filled in the emulator only, never in the bundle (installers/README.md).

ucrtbase.dll's complex-number accessors are stubs (numpy calls them), and Qt6Core.dll imports ucnv_* from
an icuuc.dll that Windows ships and Wine lacks: a stand-in is assembled with the mingw-w64 binutils.
"""

from __future__ import annotations

import struct
from pathlib import Path

from emulator import BuildError, Emulator


def pe_sections(data: bytes) -> tuple[int, list[tuple[int, int, int, int]]]:
    """The optional header's offset and the sections (virtual address, virtual size, raw size, raw offset)."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe : pe + 4] != b"PE\0\0":
        raise BuildError("not a PE file")
    count, optional_size = (
        struct.unpack_from("<H", data, pe + 6)[0],
        struct.unpack_from("<H", data, pe + 20)[0],
    )
    table = pe + 24 + optional_size
    sections = []
    for index in range(count):
        vsize, vaddr, rsize, roff = struct.unpack_from("<IIII", data, table + 40 * index + 8)
        sections.append((vaddr, vsize, rsize, roff))
    return pe + 24, sections


def rva_to_offset(sections: list[tuple[int, int, int, int]], rva: int) -> int:
    for vaddr, vsize, rsize, roff in sections:
        if vaddr <= rva < vaddr + max(vsize, rsize):
            return roff + rva - vaddr
    raise BuildError(f"RVA {rva:#x} is in no section")


def read_c_string(data: bytes, offset: int) -> str:
    return data[offset : data.index(b"\0", offset)].decode("ascii")


def pe_exports(data: bytes) -> dict[str, int]:
    """Exported name -> RVA of a 64-bit PE file."""
    optional, sections = pe_sections(data)
    export_rva = struct.unpack_from("<I", data, optional + 112)[0]
    base = rva_to_offset(sections, export_rva)
    count, functions, names, ordinals = struct.unpack_from("<IIII", data, base + 24)
    exports = {}
    for index in range(count):
        name_rva = struct.unpack_from("<I", data, rva_to_offset(sections, names) + 4 * index)[0]
        ordinal = struct.unpack_from("<H", data, rva_to_offset(sections, ordinals) + 2 * index)[0]
        target = struct.unpack_from("<I", data, rva_to_offset(sections, functions) + 4 * ordinal)[0]
        exports[read_c_string(data, rva_to_offset(sections, name_rva))] = target
    return exports


def pe_imports(data: bytes, dll: str) -> list[str]:
    """The names a 64-bit PE file imports from `dll`."""
    optional, sections = pe_sections(data)
    import_rva = struct.unpack_from("<I", data, optional + 112 + 8)[0]
    offset = rva_to_offset(sections, import_rva)
    names = []
    while True:
        lookup, _, _, name_rva, thunks = struct.unpack_from("<IIIII", data, offset)
        if name_rva == 0:
            return names
        if read_c_string(data, rva_to_offset(sections, name_rva)).lower() == dll.lower():
            entry = rva_to_offset(sections, lookup or thunks)
            while (value := struct.unpack_from("<Q", data, entry)[0]) != 0:
                if not value >> 63:
                    names.append(read_c_string(data, rva_to_offset(sections, value & 0x7FFFFFFF) + 2))
                entry += 8
        offset += 20


# The bodies of ucrtbase's complex-number accessors under the Microsoft x64 ABI: _Fcomplex (8 bytes) comes
# in rcx by value, _Dcomplex and _Lcomplex (16 bytes; long double is double) by reference in rcx.
UCRTBASE_BODIES = {
    "crealf": bytes.fromhex("660f6ec1c3"),  # movd xmm0, ecx; ret
    "cimagf": bytes.fromhex("48c1e920660f6ec1c3"),  # shr rcx, 32; movd xmm0, ecx; ret
    "creall": bytes.fromhex("f20f1001c3"),  # movsd xmm0, [rcx]; ret
    "cimag": bytes.fromhex("f20f104108c3"),  # movsd xmm0, [rcx+8]; ret
    "cimagl": bytes.fromhex("f20f104108c3"),  # movsd xmm0, [rcx+8]; ret
}


def fill_ucrtbase_stubs(path: Path) -> bool:
    """Write the accessors' bodies over Wine's stubs in this ucrtbase.dll; False when already done."""
    data = bytearray(path.read_bytes())
    _, sections = pe_sections(bytes(data))
    exports = pe_exports(bytes(data))
    starts = sorted(set(exports.values()))
    changed = False
    for name, body in UCRTBASE_BODIES.items():
        rva = exports[name]
        following = next(start for start in starts if start > rva)
        if following - rva < len(body):
            raise BuildError(f"no room for {name} in {path}")
        offset = rva_to_offset(sections, rva)
        if data[offset : offset + len(body)] != body:
            data[offset : offset + len(body)] = body
            changed = True
    if changed:
        path.write_bytes(bytes(data))
    return changed


# Where each ICU function takes its UErrorCode* (1-based argument), or 0 for none. The stand-in answers
# "not supported" (U_UNSUPPORTED_ERROR = 16) and returns 0/NULL: Qt then uses its own UTF codecs only.
ICU_STATUS_ARGUMENT = {
    "ucnv_close": 0,
    "ucnv_compareNames": 0,
    "ucnv_countAliases": 2,
    "ucnv_countAvailable": 0,
    "ucnv_fromUChars": 6,
    "ucnv_fromUnicode": 8,
    "ucnv_getAlias": 3,
    "ucnv_getAvailableName": 0,
    "ucnv_getDefaultName": 0,
    "ucnv_getDisplayName": 5,
    "ucnv_getMaxCharSize": 0,
    "ucnv_getMinCharSize": 0,
    "ucnv_getName": 2,
    "ucnv_getStandardName": 3,
    "ucnv_isFixedWidth": 2,
    "ucnv_open": 2,
    "ucnv_openAllNames": 1,
    "ucnv_reset": 0,
    "ucnv_resetFromUnicode": 0,
    "ucnv_resetToUnicode": 0,
    "ucnv_setFromUCallBack": 6,
    "ucnv_setSubstChars": 4,
    "ucnv_setToUCallBack": 6,
    "ucnv_toUChars": 6,
    "ucnv_toUnicode": 8,
    "ucnv_getStandard": 2,
    "ucnv_countStandards": 0,
    "ucnv_getCanonicalName": 3,
    "UCNV_FROM_U_CALLBACK_SUBSTITUTE": 7,
    "UCNV_TO_U_CALLBACK_SUBSTITUTE": 6,
    "ucnv_getToUCallBack": 0,
    "ucnv_getFromUCallBack": 0,
    "ucnv_cbToUWriteUChars": 5,
    "ucnv_cbFromUWriteUChars": 5,
    "ucnv_toUCountPending": 2,
    "ucnv_fromUCountPending": 2,
}
ARGUMENT_REGISTERS = {1: "%rcx", 2: "%rdx", 3: "%r8", 4: "%r9"}


def icu_stand_in_assembly(names: list[str]) -> str:
    lines = [".text", ".globl DllMain", "DllMain:", "  movl $1, %eax", "  ret"]
    for name in names:
        if name not in ICU_STATUS_ARGUMENT:
            raise BuildError(f"Qt6Core.dll imports {name} from icuuc.dll, which the stand-in does not know")
        position = ICU_STATUS_ARGUMENT[name]
        lines += [f".globl {name}", f"{name}:"]
        if position:
            if position in ARGUMENT_REGISTERS:
                lines.append(f"  movq {ARGUMENT_REGISTERS[position]}, %rax")
            else:
                lines.append(f"  movq {8 + 8 * (position - 1)}(%rsp), %rax")
            lines += ["  testq %rax, %rax", "  jz 1f", "  movl $16, (%rax)", "1:"]
        lines += ["  xorl %eax, %eax", "  ret"]
    return "\n".join(lines) + "\n"


def build_icu_stand_in(emulator: Emulator, qt_core: bytes, target: Path) -> None:
    names = pe_imports(qt_core, "icuuc.dll")
    if not names:
        return
    folder = emulator.work / "icu"
    folder.mkdir(exist_ok=True)
    (folder / "icuuc.s").write_text(icu_stand_in_assembly(names))
    (folder / "icuuc.def").write_text("LIBRARY icuuc.dll\nEXPORTS\n" + "".join(f"  {n}\n" for n in names))
    emulator.own(folder)
    inside = emulator.inside(folder)
    emulator.run(["x86_64-w64-mingw32-as", f"{inside}/icuuc.s", "-o", f"{inside}/icuuc.o"])
    emulator.run(
        [
            "x86_64-w64-mingw32-ld",
            "--dll",
            "--entry=DllMain",
            "-o",
            emulator.inside(target),
            f"{inside}/icuuc.o",
            f"{inside}/icuuc.def",
        ]
    )
