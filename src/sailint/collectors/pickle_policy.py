"""Which globals a pickle may import: safe allowlist, known-dangerous denylist, everything else unknown."""

from __future__ import annotations

import _compat_pickle
from dataclasses import dataclass
from functools import lru_cache

DANGEROUS = "dangerous"
UNKNOWN = "unknown"
SAFE = "safe"

# fmt: off
_TORCH_STORAGES = (
    'Double', 'Float', 'Half', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'BFloat16',
    'ComplexDouble', 'ComplexFloat', 'QUInt8', 'QInt8', 'QInt32', 'QUInt4x2', 'QUInt2x4',
    'Untyped',
)
# fmt: on
# fmt: off
_TORCH_DTYPES = (
    'float32', 'float64', 'float16', 'bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8',
    'uint16', 'uint32', 'uint64', 'bool', 'complex32', 'complex64', 'complex128', 'float8_e4m3fn',
    'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'qint8', 'quint8', 'qint32', 'quint4x2',
    'quint2x4', 'float', 'double', 'half', 'long', 'int', 'short', 'cfloat', 'cdouble', 'strided',
    'sparse_coo', 'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', '_mkldnn',
    'contiguous_format', 'channels_last', 'channels_last_3d', 'preserve_format',
    'per_tensor_affine', 'per_channel_affine', 'per_tensor_symmetric', 'per_channel_symmetric',
    'per_channel_affine_float_qparams',
)
# fmt: on
# fmt: off
_TORCH_REBUILD = (
    '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter',
    '_rebuild_parameter_with_state', '_rebuild_sparse_tensor', '_rebuild_nested_tensor',
    '_rebuild_meta_tensor_no_storage', '_rebuild_wrapper_subclass',
    '_rebuild_device_tensor_from_numpy', '_rebuild_device_tensor_from_cpu_tensor',
    '_rebuild_qtensor',
)
# fmt: on
# fmt: off
_NUMPY_SCALARS = (
    'bool_', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float16',
    'float32', 'float64', 'longdouble', 'complex64', 'complex128', 'clongdouble', 'str_', 'bytes_',
    'void', 'intc', 'uintc', 'intp', 'uintp', 'datetime64', 'timedelta64', 'object_',
)
# fmt: on
# fmt: off
_NUMPY_DTYPE_CLASSES = (
    'Float16DType', 'Float32DType', 'Float64DType', 'LongDoubleDType', 'Int8DType', 'Int16DType',
    'Int32DType', 'Int64DType', 'UInt8DType', 'UInt16DType', 'UInt32DType', 'UInt64DType',
    'BoolDType', 'Complex64DType', 'Complex128DType', 'StrDType', 'BytesDType', 'VoidDType',
    'DateTime64DType', 'TimeDelta64DType', 'ObjectDType', 'LongDType', 'ULongDType',
    'LongLongDType', 'ULongLongDType', 'IntDType', 'UIntDType', 'ShortDType', 'UShortDType',
    'ByteDType', 'UByteDType',
)
# fmt: on
# Estimator classes whose unpickling only sets attributes (``__setstate__`` of plain data).
_SKLEARN = {
    "linear_model._logistic": "LogisticRegression",
    "linear_model._base": "LinearRegression",
    "linear_model._ridge": "Ridge RidgeClassifier",
    "linear_model._coordinate_descent": "Lasso ElasticNet",
    "linear_model._stochastic_gradient": "SGDClassifier SGDRegressor",
    "tree._classes": "DecisionTreeClassifier DecisionTreeRegressor ExtraTreeClassifier",
    "tree._tree": "Tree",
    "ensemble._forest": "RandomForestClassifier RandomForestRegressor ExtraTreesClassifier",
    "ensemble._gb": "GradientBoostingClassifier GradientBoostingRegressor",
    "ensemble._iforest": "IsolationForest",
    "preprocessing._data": "StandardScaler MinMaxScaler RobustScaler MaxAbsScaler Normalizer",
    "preprocessing._label": "LabelEncoder LabelBinarizer MultiLabelBinarizer",
    "preprocessing._encoders": "OneHotEncoder OrdinalEncoder",
    "pipeline": "Pipeline FeatureUnion",
    "compose._column_transformer": "ColumnTransformer",
    "feature_extraction.text": "TfidfVectorizer CountVectorizer TfidfTransformer",
    "cluster._kmeans": "KMeans MiniBatchKMeans",
    "decomposition._pca": "PCA",
    "svm._classes": "SVC SVR LinearSVC LinearSVR",
    "neighbors._classification": "KNeighborsClassifier",
    "naive_bayes": "GaussianNB MultinomialNB BernoulliNB",
    "impute._base": "SimpleImputer",
    "_loss.loss": "HalfBinomialLoss HalfMultinomialLoss HalfSquaredError",
    "_loss.link": "LogitLink Interval IdentityLink MultinomialLogit",
    "utils._bunch": "Bunch",
}


def _safe_globals() -> frozenset[str]:
    names = {
        "collections.OrderedDict", "collections.defaultdict", "collections.Counter",
        "collections.deque", "builtins.set", "builtins.frozenset", "builtins.bytearray",
        "builtins.complex", "builtins.slice", "builtins.range", "builtins.list", "builtins.dict",
        "builtins.tuple", "builtins.int", "builtins.float", "builtins.bool", "builtins.str",
        "builtins.bytes", "builtins.object", "copyreg._reconstructor", "copyreg.__newobj__",
        "copyreg.__newobj_ex__", "_codecs.encode", "_io.BytesIO", "io.BytesIO",
        "argparse.Namespace", "datetime.datetime", "datetime.date", "datetime.time",
        "datetime.timedelta", "datetime.timezone", "decimal.Decimal", "uuid.UUID",
        "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath",
        "pathlib.PureWindowsPath", "torch.Size", "torch.Tensor", "torch.device",
        "torch.nn.parameter.Parameter", "torch.serialization._get_layout",
        "torch._tensor._rebuild_from_type_v2", "torch.storage.TypedStorage",
        "torch.storage.UntypedStorage", "numpy.ndarray", "numpy.dtype", "numpy.matrix",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
        "numpy.ma.core._mareconstruct", "numpy.random._pickle.__randomstate_ctor",
        "numpy.random._pickle.__bit_generator_ctor", "numpy.random._pickle.__generator_ctor",
        "numpy.random.mtrand.RandomState", "numpy.random._generator.Generator",
        "numpy.random._pcg64.PCG64", "numpy.random._mt19937.MT19937",
        "joblib.numpy_pickle.NumpyArrayWrapper", "joblib.numpy_pickle_compat.NDArrayWrapper",
        "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    }  # fmt: skip
    names.update(f"torch.{kind}Storage" for kind in _TORCH_STORAGES)
    names.update(f"torch.{dtype}" for dtype in _TORCH_DTYPES)
    names.update(f"torch._utils.{fn}" for fn in _TORCH_REBUILD)
    names.update(f"numpy.{scalar}" for scalar in _NUMPY_SCALARS)
    names.update(f"numpy.dtypes.{cls}" for cls in _NUMPY_DTYPE_CLASSES)
    for module, classes in _SKLEARN.items():
        names.update(f"sklearn.{module}.{cls}" for cls in classes.split())
    return frozenset(names)


SAFE_GLOBALS = _safe_globals()

# A module anywhere in the dotted path of module or name: code execution, files, network,
# import machinery, nested unpicklers, or scanner tampering (union of picklescan, modelscan and
# fickling lists, plus the bypasses of ml-and-secrets.md A6).
# fmt: off
DANGEROUS_MODULES = frozenset((
    '__builtin__', '__builtins__', 'builtins', 'os', 'posix', 'nt', 'subprocess', 'sys', 'pty',
    'commands', 'multiprocessing', '_posixsubprocess', 'code', 'codeop', 'runpy', 'marshal',
    'types', 'doctest', '_interpreters', '_xxsubinterpreters', 'importlib', '_frozen_importlib',
    '_frozen_importlib_external', '_imp', 'imp', 'pkgutil', 'zipimport', 'gc', 'site', 'unittest',
    'inspect', 'test', '_operator', 'operator', 'functools', 'cProfile', 'profile', 'pdb', 'bdb',
    'timeit', 'trace', 'socket', 'ssl', 'httplib', 'http', 'urllib', 'urllib2', 'urllib3',
    'requests', 'aiohttp', 'asyncio', 'webbrowser', 'smtplib', 'imaplib', 'ftplib', 'poplib',
    'telnetlib', 'nntplib', 'socketserver', 'xmlrpc', 'select', 'selectors', 'ctypes', '_ctypes',
    'pickle', '_pickle', 'cPickle', 'dill', 'cloudpickle', 'joblib', 'shutil', 'tempfile',
    'filecmp', 'distutils', 'setuptools', 'fileinput', 'glob', 'platform', 'linecache', 'difflib',
    'compileall', 'py_compile', 'mmap', 'tarfile', 'zipfile', 'shelve', 'sqlite3', '_sqlite3',
    'pydoc', 'pexpect', 'pipes', 'venv', 'ensurepip', 'pip', 'idlelib', 'lib2to3', 'signal',
    '_signal', 'threading', '_thread', 'atexit', 'logging', 'syslog', 'uuid', '_osx_support',
    '_aix_support', '_pyrepl', '_io', 'io', 'mailcap', '_winapi', 'msvcrt', 'winreg',
    '_posixshmem', 'copy_reg', 'copyreg', 'builtin', 'fickling', 'picklescan', 'modelscan', 'model_unpickler',
    'saferpickle', 'modelaudit',
))
# fmt: on
# Names that are dangerous wherever they appear in the attribute chain of the imported name.
# fmt: off
DANGEROUS_NAMES = frozenset((
    'eval', 'exec', 'execfile', 'compile', 'getattr', 'setattr', 'delattr', '__import__',
    'globals', 'locals', 'vars', 'open', 'breakpoint', 'apply', 'input', 'system', 'popen',
    'spawn', 'load_library',
))
# fmt: on
# Qualified prefixes: these packages are fine, but these parts of them run code or load more
# pickles (A3 fickling UnsafeImportsML, A6 torch/numpy gadgets, modelscan #338).
DANGEROUS_PREFIXES = (
    "torch.hub",
    "torch.load",
    "torch.serialization.load",
    "torch._dynamo",
    "torch._inductor",
    "torch.jit",
    "torch.compile",
    "torch.package",
    "torch.fx.experimental.symbolic_shapes",
    "torch.utils.collect_env",
    "torch.utils.bottleneck",
    "torch.utils._config_module",
    "torch.utils.data.datapipes.utils.decoder",
    "torch.distributed.elastic.rendezvous.api",
    "torch.storage._load_from_bytes",
    "torch.utils.cpp_extension",
    "torch.ops",
    "torch.classes",
    "torch._C",
    "numpy.f2py",
    "numpy.distutils",
    "numpy.testing",
    "numpy.load",
    "numpy.lib.npyio",
    "numpy.ctypeslib",
    "numpy.lib.utils",
    "pandas.read_",
    "pandas.io",
    "pandas.eval",
    "pandas.core.computation",
    "mlflow.projects",
    "keras.models.load_model",
    "keras.saving",
    "keras.config",
    "tensorflow.io",
    "tensorflow.keras.models.load_model",
    "tensorflow.saved_model",
    "sklearn.utils._testing",
    "sklearn.datasets",
    "yaml.load",
    "yaml.unsafe_load",
    "jinja2",
    "transformers.dynamic_module_utils",
)  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """How an imported global is judged, and why."""

    verdict: str
    reason: str


def canonical(module: str, name: str) -> tuple[str, str]:
    """The Python 3 spelling of a protocol 0-2 global (``__builtin__`` -> ``builtins``)."""
    mapped = _compat_pickle.NAME_MAPPING.get((module, name))
    if mapped is not None:
        return mapped
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _dunder(part: str) -> bool:
    return len(part) > 4 and part.startswith("__") and part.endswith("__")


@lru_cache(maxsize=8192)  # checkpoints repeat the same few globals thousands of times
def classify(module: str, name: str, extra_safe: frozenset[str] = frozenset()) -> Verdict:
    """Judge ``module.name``; every dotted component of both is looked at."""
    canon_module, canon_name = canonical(module, name)
    qualified = f"{canon_module}.{canon_name}"
    if qualified in SAFE_GLOBALS or qualified in extra_safe:
        return Verdict(SAFE, "on the safe allowlist")
    module_parts = [p for m in (module, canon_module) for p in m.split(".")]
    name_parts = name.split(".")
    for part in module_parts + name_parts:
        if part in DANGEROUS_MODULES:
            return Verdict(DANGEROUS, f"reaches module {part!r}")
    for part in name_parts:
        if part in DANGEROUS_NAMES:
            return Verdict(DANGEROUS, f"reaches {part!r}")
        if _dunder(part):
            return Verdict(DANGEROUS, f"walks the attribute {part!r}")
    if any(_dunder(p) and p != "__main__" for p in module_parts):
        return Verdict(DANGEROUS, "imports a dunder module")
    for prefix in DANGEROUS_PREFIXES:
        boundary = prefix if prefix.endswith("_") else prefix + "."
        if qualified == prefix or qualified.startswith(boundary):
            return Verdict(DANGEROUS, f"in {prefix}")
    return Verdict(UNKNOWN, "not on the safe allowlist")
