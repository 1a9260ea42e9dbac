"""Finding and loading endpoint code, as the Python MXCP does.

``<project>/python`` and ``<project>`` are put first on ``sys.path``; every ``python/**/*.py`` (except ``__init__.py``,
files starting with ``_`` and ``__pycache__``) is imported at start-up so that hooks register. A file under
``python/`` gets its dotted module name (``python/a/b.py`` is ``a.b``); a file elsewhere gets
``_mxcp_endpoint_<stem>_<sha256[:8]>``.
"""

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import traceback


class LoadError(Exception):
    """A module that cannot be imported, or a function that cannot be found; the message names file and line."""


class ModuleLoader:
    def __init__(self, project_root):
        self.root = os.path.abspath(project_root)
        self.python_dir = os.path.join(self.root, "python")
        for path in (self.root, self.python_dir):
            if os.path.isdir(path) and path not in sys.path:
                sys.path.insert(0, path)
        self._modules = {}
        self._failures = {}
        self._functions = {}

    def relative(self, path):
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            return path
        return path if rel.startswith("..") else rel.replace(os.sep, "/")

    def preload(self):
        """Imports every module under ``python/``; returns the failures (they are reported, not fatal)."""
        if not os.path.isdir(self.python_dir):
            return []
        files = []
        for folder, dirs, names in os.walk(self.python_dir):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            files.extend(os.path.join(folder, n) for n in sorted(names)
                         if n.endswith(".py") and n != "__init__.py" and not n.startswith("_"))
        failures = []
        for path in files:
            try:
                self.load(path)
            except LoadError as e:
                failures.append({"file": self.relative(path), "message": str(e)})
        return failures

    @property
    def module_count(self):
        return len(self._modules)

    def _module_name(self, path):
        if path.startswith(self.python_dir + os.sep):
            rel = os.path.relpath(path, self.python_dir)[:-3]
            return rel.replace(os.sep, ".")
        stem = os.path.splitext(os.path.basename(path))[0]
        digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]
        return f"_mxcp_endpoint_{stem}_{digest}"

    def load(self, path):
        path = os.path.abspath(path)
        module = self._modules.get(path)
        if module is not None:
            return module
        failure = self._failures.get(path)
        if failure is not None:
            raise failure
        if not os.path.isfile(path):
            failure = LoadError(f"Python source file not found: {self.relative(path)}")
            self._failures[path] = failure
            raise failure
        name = self._module_name(path)
        try:
            module = self._import(name, path)
        except BaseException as e:  # noqa: BLE001 - anything a module raises while importing (SystemExit too) is reported
            if isinstance(e, KeyboardInterrupt):
                raise
            failure = LoadError(self._describe(path, e))
            failure.__cause__ = e
            self._failures[path] = failure
            raise failure from e
        self._modules[path] = module
        return module

    def _import(self, name, path):
        existing = sys.modules.get(name)
        if existing is not None and _same_file(getattr(existing, "__file__", None), path):
            return existing
        if existing is None and path.startswith(self.python_dir + os.sep):
            module = importlib.import_module(name)
            if _same_file(getattr(module, "__file__", None), path):
                return module
        # The dotted name is taken (a standard module such as `json`, or another file): load the file under its own name.
        if existing is not None or name in sys.modules:
            stem = os.path.splitext(os.path.basename(path))[0]
            name = f"_mxcp_endpoint_{stem}_{hashlib.sha256(path.encode('utf-8')).hexdigest()[:8]}"
            if name in sys.modules:
                return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path} as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    def _describe(self, path, error):
        """``python/x.py, line 3: SyntaxError: invalid syntax`` (plus where inside the project it failed, if elsewhere)."""
        line = None
        where = None
        if isinstance(error, SyntaxError) and error.filename:
            if _same_file(error.filename, path):
                line = error.lineno
            else:
                where = f"{self.relative(os.path.abspath(error.filename))}, line {error.lineno}"
            text = f"SyntaxError: {error.msg}"
        else:
            text = f"{type(error).__name__}: {error}"
        frames = traceback.extract_tb(error.__traceback__)
        if line is None:
            for frame in frames:
                if _same_file(frame.filename, path):
                    line = frame.lineno
        if where is None:
            inner = [f for f in frames if not f.filename.startswith("<")
                     and os.path.abspath(f.filename).startswith(self.root + os.sep)
                     and not _same_file(f.filename, path)]
            if inner and line is not None:
                where = f"{self.relative(os.path.abspath(inner[-1].filename))}, line {inner[-1].lineno}"
        head = self.relative(path) + (f", line {line}" if line is not None else "")
        return f"{head}: {text}" + (f" (at {where})" if where else "")

    def resolve(self, path, function, kind):
        """The function an endpoint calls: the tool's name for tools; for resources ``main``, then the file stem,
        then the first public function defined in the module, then the first public callable (the reference's order)."""
        key = (path, function, kind)
        cached = self._functions.get(key)
        if cached is not None:
            return cached
        module = self.load(path)
        rel = self.relative(os.path.abspath(path))
        if function:
            target = getattr(module, function, None)
            if target is None or not callable(target):
                raise LoadError(f"Function '{function}' not found in {rel}")
        else:
            target = self._resource_function(module, path)
            if target is None:
                raise LoadError(f"No function found in {rel}: define main() or a function named like the file")
        self._functions[key] = target
        return target

    @staticmethod
    def _resource_function(module, path):
        stem = os.path.splitext(os.path.basename(path))[0]
        for name in ("main", stem):
            candidate = getattr(module, name, None)
            if candidate is not None and callable(candidate):
                return candidate
        public = [n for n in dir(module) if not n.startswith("_")]
        own = [n for n in public if inspect.isfunction(getattr(module, n))
               and getattr(getattr(module, n), "__module__", None) == module.__name__]
        for name in own + public:
            candidate = getattr(module, name)
            if callable(candidate):
                return candidate
        return None


def check_signature(function, parameters, rel, name):
    """Errors when the function cannot be called with exactly the endpoint's parameters as keyword arguments."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    accepts_any = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    keyword = {n for n, p in signature.parameters.items()
               if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    errors = []
    unknown = [p for p in parameters if p not in keyword]
    if unknown and not accepts_any:
        errors.append(f"Function '{name}' in {rel} does not accept parameter(s) {', '.join(unknown)}")
    required = [n for n, p in signature.parameters.items()
                if p.default is inspect.Parameter.empty
                and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
                and n not in parameters]
    if required:
        errors.append(f"Function '{name}' in {rel} requires argument(s) {', '.join(required)} that the endpoint does not declare")
    positional_only = [n for n, p in signature.parameters.items()
                       if p.kind == inspect.Parameter.POSITIONAL_ONLY and p.default is inspect.Parameter.empty]
    if positional_only:
        errors.append(f"Function '{name}' in {rel} has positional-only argument(s) {', '.join(positional_only)}; endpoints are called with keyword arguments")
    return errors


def _same_file(a, b):
    if not a or not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
