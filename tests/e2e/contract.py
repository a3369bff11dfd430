"""The answers of the service against its OpenAPI document (openapi.yaml).

check(method, path, status, headers, body) raises ContractError unless the
document describes that answer: the request's (method, path) is one of its
operations (path templates such as /auth/sessions/{id} match one segment
whose value fits the parameter's schema), the status is listed for it, the
documented headers that are required are present (and fit their schema),
the media type is one the response lists, and a JSON body validates against
its schema (JSON Schema 2020-12). A method the path does not serve must be
the 405 of components/responses/MethodNotAllowed (Allow naming the
document's methods of that path), a path of no operation a 404.

Needs python3-yaml and python3-jsonschema (Debian's; draft 2020-12 since
jsonschema 4.0).
"""

import json
import os
import re
import urllib.parse

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DOC = os.path.join(HERE, "..", "..", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")


# Operations of the document that this tree does not serve yet (written
# from docs/api.md ahead of their code): until they are served, their
# answers may be those of a tree without them, a 405 from the endpoint of
# their path or a 404 where no endpoint has the path. Emptied as they land.
NOT_BUILT_PATHS = ()
NOT_BUILT = set()


def not_built(method, tmpl):
    return (method.upper(), tmpl) in NOT_BUILT or \
        tmpl.startswith(NOT_BUILT_PATHS)


class ContractError(AssertionError):
    """An answer the document does not describe."""


def _media(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def remove_dot_segments(path):
    """RFC 3986 5.2.4, as the web servers normalise a path."""
    out = []
    for seg in path.split("/")[1:]:
        if seg == "..":
            if len(out) > 0:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if path.split("/")[-1] in (".", ".."):
        out.append("")
    return "/" + "/".join(out)


class Contract:
    def __init__(self, doc):
        self.doc = doc
        self.components = doc.get("components", {})
        self._routes = []       # (literal segments count, regex, names, tmpl)
        for tmpl in doc.get("paths", {}):
            names = re.findall(r"\{([^}/]+)\}", tmpl)
            rx = "^" + re.sub(r"\\\{[^}/]+\\\}", "([^/]+)",
                              re.escape(tmpl)) + "$"
            self._routes.append((-len(names), re.compile(rx), names, tmpl))
        # Concrete paths before templated ones (OpenAPI's matching rule).
        self._routes.sort(key=lambda r: r[0], reverse=True)
        self._validators = {}

    @classmethod
    def load(cls, path=None):
        path = path or os.environ.get("AUTH_OPENAPI") or DEFAULT_DOC
        with open(path, encoding="utf-8") as f:
            return cls(yaml.safe_load(f))

    # -- resolving ----------------------------------------------------------

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            ptr = obj["$ref"]
            if not ptr.startswith("#/"):
                raise ContractError("only local $ref: " + ptr)
            node = self.doc
            for part in ptr[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def validator(self, schema):
        """A 2020-12 validator of schema whose #/components refs resolve
        against the document (its components ride along at the root)."""
        key = json.dumps(schema, sort_keys=True)
        v = self._validators.get(key)
        if v is None:
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                    "allOf": [schema], "components": self.components}
            v = jsonschema.Draft202012Validator(root)
            self._validators[key] = v
        return v

    def fits(self, schema, value):
        return self.validator(schema).is_valid(value)

    # -- matching -----------------------------------------------------------

    def match(self, method, target):
        """(template, path item, operation or None) of a request target,
        or None if no path of the document serves it."""
        path = urllib.parse.urlsplit(target).path or "/"
        path = remove_dot_segments(path)
        for _, rx, names, tmpl in self._routes:
            m = rx.match(path)
            if not m:
                continue
            item = self.doc["paths"][tmpl]
            op = item.get(method.lower())
            values = dict(zip(names, (urllib.parse.unquote(g)
                                      for g in m.groups())))
            if names and not self._params_fit(item, op, values):
                continue
            return tmpl, item, op
        return None

    def _params_fit(self, item, op, values):
        params = list(item.get("parameters", []))
        ops = [op] if op else [item[m] for m in METHODS if m in item]
        for o in ops:
            params += o.get("parameters", [])
        for p in (self.deref(p) for p in params):
            if p.get("in") == "path" and p["name"] in values and \
                    not self.fits(p.get("schema", {}), values[p["name"]]):
                return False
        return True

    # -- checking -----------------------------------------------------------

    def check(self, method, target, status, headers, body):
        """Raises ContractError unless the document describes this answer.
        headers: a list of (name, value)."""
        where = "%s %s -> %d" % (method, target, status)
        found = self.match(method, target)
        if found is None:
            return self._check_unknown_path(where, status, headers, body)
        tmpl, item, op = found
        if op is not None and not_built(method, tmpl) and \
                status in (404, 405):
            op = None if status == 405 else op
            if status == 404:
                return self._check_unknown_path(where, status, headers, body)
        if op is None:
            return self._check_other_method(where, tmpl, item, status,
                                            headers, body, method)
        responses = op.get("responses", {})
        resp = responses.get(str(status))
        if self._web_server(status, headers):
            resp = {"$ref": "#/components/responses/WebServer"}
        if resp is None:
            raise ContractError("%s: status %d is not listed for %s %s "
                                "(listed: %s)" % (
                                    where, status, method.upper(), tmpl,
                                    ", ".join(sorted(responses))))
        # A redirect's body is optional (a web server may add its page).
        self.check_response(where, self.deref(resp), headers, body,
                            head=method.upper() == "HEAD" or
                            (300 <= status < 400 and not body))

    def check_response(self, where, resp, headers, body, head=False):
        self._check_headers(where, resp, headers)
        content = resp.get("content")
        ctype = _media(_header(headers, "Content-Type"))
        if not content:
            if body and not head:
                raise ContractError("%s: the document lists no body, got %d "
                                    "bytes of %s" % (where, len(body),
                                                     ctype or "?"))
            return
        if head:
            return
        if ctype not in content:
            raise ContractError("%s: media type %r is not one of %s" % (
                where, ctype, ", ".join(sorted(content))))
        schema = content[ctype].get("schema")
        if schema is None:
            return
        if ctype == "application/json" or ctype.endswith("+json"):
            try:
                value = json.loads(body.decode("utf-8"))
            except ValueError as e:
                raise ContractError("%s: not JSON: %s" % (where, e))
        else:
            value = body.decode("utf-8", "replace")
        errs = sorted(self.validator(schema).iter_errors(value),
                      key=lambda e: list(e.absolute_path))
        if errs:
            raise ContractError("%s: the body does not match its schema: %s"
                                "\n  body: %s" % (
                                    where, _best(errs), _short(body)))

    def _check_headers(self, where, resp, headers):
        for name, h in (resp.get("headers") or {}).items():
            h = self.deref(h)
            vals = _header_all(headers, name)
            if not vals:
                if h.get("required"):
                    raise ContractError("%s: the documented header %s is "
                                        "missing" % (where, name))
                continue
            schema = h.get("schema")
            for v in vals if schema else ():
                if not self.fits(schema, v):
                    raise ContractError("%s: header %s: %r does not match "
                                        "%s" % (where, name, v,
                                                json.dumps(schema)))

    def _web_server(self, status, headers):
        """True for an answer the web server gave itself: no endpoint's
        X-Request-Id, a status of components/responses/WebServer."""
        ws = self.components.get("responses", {}).get("WebServer", {})
        return _header(headers, "X-Request-Id") is None and \
            status in ws.get("x-statuses", ())

    def _check_other_method(self, where, tmpl, item, status, headers, body,
                            method):
        if method.upper() == "OPTIONS" and status == 204 and \
                _header(headers, "Access-Control-Allow-Origin"):
            return      # a CORS preflight of a listed origin
        if status != 405:
            raise ContractError("%s: the path does not document %s: only a "
                                "405 may answer it" % (where,
                                                       method.upper()))
        allow = {m.strip().upper() for m in
                 (_header(headers, "Allow") or "").split(",") if m.strip()}
        documented = {m.upper() for m in METHODS
                      if m in item and not not_built(m, tmpl)}
        if allow != documented:
            raise ContractError("%s: Allow %s, the document %s" % (
                where, sorted(allow), sorted(documented)))
        name = "PageMethodNotAllowed" if _is_page(item) \
            else "MethodNotAllowed"
        self.check_response(where, self.deref(
            {"$ref": "#/components/responses/" + name}), headers, body)

    def _check_unknown_path(self, where, status, headers, body):
        if self._web_server(status, headers):
            return self.check_response(where, self.deref(
                {"$ref": "#/components/responses/WebServer"}), headers, body)
        if status != 404:
            raise ContractError("%s: no path of the document serves it: only "
                                "a 404 may answer it" % where)
        if _media(_header(headers, "Content-Type")) == "text/html":
            return      # a page's 404, or the web server's own
        self.check_response(where, self.deref(
            {"$ref": "#/components/responses/NotFound"}), headers, body)


def _is_page(item):
    return any("pages" in item[m].get("tags", []) for m in METHODS
               if m in item)


def _header_all(headers, name):
    n = name.lower()
    return [v for k, v in headers if k.lower() == n]


def _header(headers, name):
    vals = _header_all(headers, name)
    return vals[0] if vals else None


def _best(errs):
    e = jsonschema.exceptions.best_match(errs)
    at = "/".join(str(p) for p in e.absolute_path) or "(the body)"
    return "%s: %s" % (at, e.message)


def _short(body):
    t = body.decode("utf-8", "replace")
    return t if len(t) <= 400 else t[:400] + "..."


_CONTRACT = None


def contract():
    """The document the suite checks against, loaded once."""
    global _CONTRACT
    if _CONTRACT is None:
        _CONTRACT = Contract.load()
    return _CONTRACT
