"""Convert Natural Earth country outlines (npm ``world-atlas`` 2.0.2, TopoJSON) into this folder's JSON files.

Run by hand when the outlines should change; nothing imports this module at run time and it needs
no network (fetch the package first, see README.md in this folder)::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz      # -> package/countries-*.json
    .venv/bin/python -m sim.plots.geodata.convert_world_atlas package

For each region of :data:`REGIONS` it reads the TopoJSON topology, decodes its arcs, gives each
country its ISO 3166-1 alpha-2 code, applies :data:`TRANSFERS` and :data:`MERGED` (Crimea is shown
as part of Ukraine), simplifies every arc once with Douglas–Peucker (so neighbours keep one shared
border, without gaps or slivers), builds each country's rings (outer rings counter-clockwise,
holes clockwise), clips them to the region and writes::

    {"meta": {...}, "countries": {"BY": {"name": "Belarus", "polygons": [[outer, hole, ...], ...]}},
     "borders": {"BY-PL": [line, ...]}, "coast": [line, ...]}

with every point ``[lon, lat]`` in degrees. In a topology an arc used by two countries is a piece
of their land border and an arc used by one country is coast (sea, or a large lake's shore); an
arc used twice by one country (after a merge or a transfer) lies inside it and is dropped.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from sim.plots.maps.geometry import clip_line, clip_ring, inside, signed_area, simplify

HERE = Path(__file__).resolve().parent
SOURCE = "world-atlas 2.0.2 (npm; Natural Earth 4.1.0 admin-0 countries)"
# name -> (TopoJSON file, (west, south, east, north), Douglas-Peucker tolerance in degrees, decimals kept)
REGIONS = {
    "corridor_50m": ("countries-50m.json", (-25.0, -10.0, 75.0, 72.0), 0.03, 2),
    "border_region_10m": ("countries-10m.json", (19.0, 50.0, 33.0, 58.0), 0.005, 3),
}
# (from, to, a point inside the territory, why): a polygon of one country drawn as part of another
TRANSFERS = [("RU", "UA", (34.10, 44.95),
              "Crimea as part of Ukraine (UN General Assembly resolution 68/262; the EU's position)")]
# units of Natural Earth without an ISO code -> the state they are drawn as part of (the UN's and the EU's view)
MERGED = {"N. Cyprus": "CY", "Somaliland": "SO"}
OWN_CODE = {"Kosovo": "XK"}  # its own unit, as Natural Earth draws it, under the user-assigned code XK
# ISO 3166-1 numeric -> alpha-2 for every id in world-atlas 2.0.2 (countries-50m and -10m)
ISO_TABLE = """
004AF 008AL 010AQ 012DZ 016AS 020AD 024AO 028AG 031AZ 032AR 036AU 040AT 044BS 048BH 050BD 051AM
052BB 056BE 060BM 064BT 068BO 070BA 072BW 076BR 084BZ 086IO 090SB 092VG 096BN 100BG 104MM 108BI
112BY 116KH 120CM 124CA 132CV 136KY 140CF 144LK 148TD 152CL 156CN 158TW 170CO 174KM 178CG 180CD
184CK 188CR 191HR 192CU 196CY 203CZ 204BJ 208DK 212DM 214DO 218EC 222SV 226GQ 231ET 232ER 233EE
234FO 238FK 239GS 242FJ 246FI 248AX 250FR 258PF 260TF 262DJ 266GA 268GE 270GM 275PS 276DE 288GH
292GI 296KI 300GR 304GL 308GD 316GU 320GT 324GN 328GY 332HT 334HM 336VA 340HN 344HK 348HU 352IS
356IN 360ID 364IR 368IQ 372IE 376IL 380IT 384CI 388JM 392JP 398KZ 400JO 404KE 408KP 410KR 414KW
417KG 418LA 422LB 426LS 428LV 430LR 434LY 438LI 440LT 442LU 446MO 450MG 454MW 458MY 462MV 466ML
470MT 478MR 480MU 484MX 492MC 496MN 498MD 499ME 500MS 504MA 508MZ 512OM 516NA 520NR 524NP 528NL
531CW 533AW 534SX 540NC 548VU 554NZ 558NI 562NE 566NG 570NU 574NF 578NO 580MP 581UM 583FM 584MH
585PW 586PK 591PA 598PG 600PY 604PE 608PH 612PN 616PL 620PT 624GW 626TL 630PR 634QA 642RO 643RU
646RW 652BL 654SH 659KN 660AI 662LC 663MF 666PM 670VC 674SM 678ST 682SA 686SN 688RS 690SC 694SL
702SG 703SK 704VN 705SI 706SO 710ZA 716ZW 724ES 728SS 729SD 732EH 740SR 748SZ 752SE 756CH 760SY
762TJ 764TH 768TG 776TO 780TT 784AE 788TN 792TR 795TM 796TC 798TV 800UG 804UA 807MK 818EG 826GB
831GG 832JE 833IM 834TZ 840US 850VI 854BF 858UY 860UZ 862VE 876WF 882WS 887YE 894ZM
"""
ISO_N3_TO_A2 = {item[:3]: item[3:] for item in ISO_TABLE.split()}


# --------------------------------------------------------------------------- topology
def decode_arcs(topo: dict) -> list[np.ndarray]:
    """Every arc as an ``(n, 2)`` array of lon/lat degrees (delta-decoded, transformed, unwrapped at ±180°)."""
    transform = topo.get("transform") or {"scale": [1, 1], "translate": [0, 0]}
    scale = np.asarray(transform["scale"], dtype=float)
    translate = np.asarray(transform["translate"], dtype=float)
    arcs = []
    for arc in topo["arcs"]:
        pts = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0) * scale + translate
        arcs.append(unwrap(pts))
    return arcs


def unwrap(pts: np.ndarray) -> np.ndarray:
    """Remove jumps of 360° in longitude (a line crossing the antimeridian stays continuous)."""
    if len(pts) > 1 and np.any(np.abs(np.diff(pts[:, 0])) > 180):
        pts = pts.copy()
        pts[:, 0] = np.unwrap(pts[:, 0], period=360.0)
    return pts


def west_of_180(pts: np.ndarray) -> np.ndarray:
    """Shift by whole turns so that the westernmost point lies in [-180°, 180°)."""
    return pts - [360.0 * np.floor((pts[:, 0].min() + 180.0) / 360.0), 0.0]


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """The polygons of a TopoJSON geometry, each a list of rings, each ring a list of arc indices."""
    if geometry.get("type") == "Polygon":
        return [geometry["arcs"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def ring_points(arc_ids: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """The closed ring made of arcs (a negative index ``~i`` means arc ``i`` reversed)."""
    parts: list[np.ndarray] = []
    for i in arc_ids:
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        if parts:  # keep the ring continuous where its arcs were unwrapped on different sides of ±180°
            pts = (pts + [360.0 * np.round((parts[-1][-1, 0] - pts[0, 0]) / 360.0), 0.0])[1:]
        parts.append(pts)
    return west_of_180(np.concatenate(parts))


def code_of(geometry: dict) -> str:
    """A geometry's ISO alpha-2 code, the code of the state it is drawn as part of, or ``?<name>``."""
    name = geometry.get("properties", {}).get("name", "")
    if geometry.get("id") in ISO_N3_TO_A2:
        return ISO_N3_TO_A2[geometry["id"]]
    return MERGED.get(name) or OWN_CODE.get(name) or f"?{name}"


def countries_of(topo: dict, arcs: list[np.ndarray]) -> dict[str, dict]:
    """Code -> ``{"name", "polygons"}`` (polygons as rings of arc indices), with merges and transfers applied.

    Raises:
        ValueError: A transfer's point lies in neither country (the source has changed).

    """
    out: dict[str, dict] = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        code = code_of(geometry)
        name = geometry.get("properties", {}).get("name", code)
        entry = out.setdefault(code, {"name": name, "polygons": []})
        if geometry.get("id") in ISO_N3_TO_A2:
            entry["name"] = name  # a merged unit keeps the state's own name
        entry["polygons"].extend(polygons_of(geometry))
    for source, target, point, _ in TRANSFERS:
        if source not in out or target not in out:
            continue
        found = [p for p in out[source]["polygons"] if inside(point, ring_points(p[0], arcs))]
        if not found and not any(inside(point, ring_points(p[0], arcs)) for p in out[target]["polygons"]):
            raise ValueError(f"no polygon of {source} or {target} contains {point}")
        for polygon in found:
            out[source]["polygons"].remove(polygon)
            out[target]["polygons"].append(polygon)
    return out


# --------------------------------------------------------------------------- output
def rounded(pts: np.ndarray, decimals: int) -> np.ndarray:
    """Points rounded to ``decimals``, with repeated points dropped."""
    pts = np.round(pts, decimals)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    return pts[keep]


def chain(lines: list[np.ndarray]) -> list[np.ndarray]:
    """Join lines that share an end point (where exactly two meet) into longer lines."""
    def key(p) -> tuple[float, float]:  # arc ends are bit-identical in a topology
        return float(p[0]), float(p[1])

    ends: dict[tuple, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        ends[key(line[0])].append(i)
        ends[key(line[-1])].append(i)
    used = [False] * len(lines)

    def grow(path: list[np.ndarray], tail) -> None:
        while len(ends[tail]) == 2:
            nxt = [j for j in ends[tail] if not used[j]]
            if not nxt:
                return
            used[nxt[0]] = True
            line = lines[nxt[0]] if key(lines[nxt[0]][0]) == tail else lines[nxt[0]][::-1]
            path.append(line[1:])
            tail = key(line[-1])

    out = []
    for i, line in enumerate(lines):
        if used[i]:
            continue
        used[i] = True
        forward, backward = [line], [line[::-1]]
        grow(forward, key(line[-1]))
        grow(backward, key(line[0]))
        out.append(np.concatenate([np.concatenate(backward)[::-1], *forward[1:]]))
    return out


def as_list(pts: np.ndarray, decimals: int) -> list[list[float]]:
    """Points as JSON-ready ``[lon, lat]`` lists."""
    return [[round(float(a), decimals), round(float(b), decimals)] for a, b in pts]


# --------------------------------------------------------------------------- conversion
def convert(topo: dict, box, tol: float, decimals: int, source: str = SOURCE) -> dict:
    """One region of a world-atlas topology in this folder's JSON layout (see the module doc).

    Raises:
        ValueError: A unit of the region has no ISO code and is in neither :data:`MERGED` nor :data:`OWN_CODE`.

    """
    arcs = decode_arcs(topo)
    countries = countries_of(topo, arcs)
    simple = [simplify(a, tol) for a in arcs]
    users: dict[int, list[str]] = defaultdict(list)
    polygons: dict[str, list] = {}
    for code, entry in countries.items():
        for polygon in entry["polygons"]:
            for ring in polygon:
                for i in ring:
                    users[i if i >= 0 else ~i].append(code)
            rings = []
            for k, ring_ids in enumerate(polygon):
                ring = rounded(clip_ring(ring_points(ring_ids, simple), box), decimals)
                if len(ring) < 4 or abs(signed_area(ring)) < tol * tol:
                    if k == 0:
                        break  # the outer ring is outside the region or too small: skip the polygon
                    continue
                if (signed_area(ring) > 0) != (k == 0):  # outer rings counter-clockwise, holes clockwise
                    ring = ring[::-1]
                rings.append(as_list(ring, decimals))
            if rings:
                polygons.setdefault(code, []).append(rings)
    unknown = sorted(code[1:] for code in polygons if code.startswith("?"))
    if unknown:
        raise ValueError(f"units without an ISO code in the region: {unknown}; add them to MERGED or OWN_CODE")
    pairs: dict[str, list[np.ndarray]] = defaultdict(list)
    coast: list[np.ndarray] = []
    for i, who in sorted(users.items()):
        if len(who) == 2 and who[0] != who[1]:
            pairs["-".join(sorted(who))].append(simple[i])
        elif len(who) == 1:
            coast.append(simple[i])

    def lines(pieces: list[np.ndarray]) -> list:
        out = []
        for line in chain(pieces):
            for piece in clip_line(west_of_180(line), box):
                piece = rounded(piece, decimals)
                if len(piece) >= 2:
                    out.append(as_list(piece, decimals))
        return out

    borders = {pair: found for pair in sorted(pairs) if (found := lines(pairs[pair]))}
    meta = {"source": source,
            "licence": "Natural Earth: public domain (naturalearthdata.com/about/terms-of-use); "
                       "world-atlas packaging: ISC, Michael Bostock",
            "box": list(box), "simplified": f"Douglas-Peucker per arc, {tol} degrees", "decimals": decimals,
            "coordinates": "[lon, lat] degrees (WGS84); outer rings counter-clockwise, holes clockwise",
            "shown_as": [why for *_, why in TRANSFERS] + [f"{name} as part of {code}" for name, code in MERGED.items()]}
    return {"meta": meta,
            "countries": {code: {"name": countries[code]["name"], "polygons": polygons[code]}
                          for code in sorted(polygons)},
            "borders": borders, "coast": lines(coast)}


def main(argv: list[str] | None = None) -> None:
    """Convert every region of :data:`REGIONS` from an unpacked world-atlas package folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked world-atlas package folder (with countries-*.json)")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the JSON files (default: here)")
    args = parser.parse_args(argv)
    for name, (file, box, tol, decimals) in REGIONS.items():
        topo = json.loads((args.package / file).read_text(encoding="utf-8"))
        data = convert(topo, box, tol, decimals)
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
        points = sum(len(r) for c in data["countries"].values() for p in c["polygons"] for r in p)
        print(f"{path}: {len(data['countries'])} countries, {points} ring points, {len(data['borders'])} borders, "
              f"{path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
