"""read_report: a wprof HDF5 report into pandas, one DataFrame per table, vectorized (no per-row
Python), so a report of thousands of ranks reads in about the time h5py takes to read its bytes."""
import h5py
import numpy as np
import pandas as pd


class Report(dict):
    """{table path without the leading '/': DataFrame}; "meta" is /meta's attributes as a dict.
    `attrs` holds the root attributes (world_size, sync, delay_iters, ...); each DataFrame's own
    `attrs` holds its dataset's attributes (rank_spans, ...)."""

    def __init__(self):
        super().__init__()
        self.attrs = {}

    def __repr__(self):
        tables = ", ".join(f"{k}: {len(v)} rows" if isinstance(v, pd.DataFrame) else k for k, v in self.items())
        return f"<wprof report {{{tables}}}>"


def _value(v):
    """An HDF5 attribute as a plain Python value (str for strings, int/float for scalars)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        if v.shape == ():
            return _value(v[()])
        if v.dtype.kind in "OS":
            return [_value(x) for x in v.tolist()]
        return v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _attrs(obj):
    return {k: _value(v) for k, v in obj.attrs.items()}


def _strings(values):
    """A column of HDF5 strings (variable-length or fixed) as a numpy array of str."""
    arr = np.asarray(values)
    if arr.dtype.kind == "S":
        return np.char.decode(arr, "utf-8", "replace").astype(object)
    if arr.dtype.kind == "O":
        return np.array([x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in arr], dtype=object)
    return arr.astype(str).astype(object)


def _names(f):
    if "names" not in f:
        return np.array([], dtype=object)
    return _strings(f["names"][()])


def _column(name, values, field_dtype, names):
    """One column: enums to their names (a Categorical), strings to str, name ids to names."""
    enum = h5py.check_enum_dtype(field_dtype) if field_dtype is not None else None
    if enum:
        codes = np.asarray(values)
        by_value = {v: k for k, v in enum.items()}
        lut_keys = np.array(sorted(by_value), dtype=np.int64)
        lut_names = [by_value[k] for k in lut_keys]
        pos = np.searchsorted(lut_keys, codes)
        pos = np.clip(pos, 0, max(len(lut_keys) - 1, 0))
        known = len(lut_keys) > 0 and lut_keys[pos] == codes
        cat = pd.Categorical.from_codes(np.where(known, pos, -1), categories=lut_names)
        return cat
    if h5py.check_string_dtype(field_dtype) is not None or np.asarray(values).dtype.kind in "SO":
        return _strings(values)
    return values


def _resolved(ids, names):
    """/names[ids] as an object column of str (None where an id is out of range), in one take."""
    ids = np.asarray(ids)
    valid = (ids >= 0) & (ids < len(names))
    if valid.all():
        return names[ids]
    out = np.full(len(ids), None, dtype=object)
    out[valid] = names[ids[valid]]
    return out


# Columns that index /names, and the str column each gets right after it.
_ID_COLUMNS = {"name_id": "name", "stack_id": "stack", "kind_id": "kind_name"}


def _table(ds, names):
    data = ds[()]
    dt = ds.dtype
    columns = {}
    if dt.names is None:
        columns["value"] = _column("value", data, dt, names)
    else:
        for col in dt.names:
            columns[col] = _column(col, data[col], dt.fields[col][0], names)
            target = _ID_COLUMNS.get(col)
            if target and target not in dt.names:
                columns[target] = _resolved(data[col], names)
    # copy=False: each column stays its own block, a view of the rows h5py read; pandas would
    # otherwise copy every column into blocks by dtype (twice when columns of one dtype are not
    # adjacent), which took longer than reading the file
    df = pd.DataFrame(columns, copy=False)
    df.attrs.update(_attrs(ds))
    return df


def read_report(path):
    out = Report()
    with h5py.File(path, "r") as f:
        out.attrs = _attrs(f)
        names = _names(f)
        out["names"] = pd.DataFrame({"name": names})

        def visit(key, obj):
            if isinstance(obj, h5py.Dataset) and key != "names":
                out[key] = _table(obj, names)
            elif isinstance(obj, h5py.Group) and key == "meta":
                out["meta"] = _attrs(obj)

        f.visititems(visit)
    if "meta" not in out:
        out["meta"] = {}
    return out
