// Renders /openapi.json as a browsable reference: endpoints by tag, with
// parameters, request and response schemas, and examples. No dependencies.
(function () {
  "use strict";
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.append(c); });
    return e;
  }
  function resolve(spec, schema, depth) {
    if (!schema || depth > 6) return schema;
    if (schema.$ref) {
      var name = schema.$ref.split("/").pop();
      return resolve(spec, spec.components.schemas[name], depth + 1);
    }
    return schema;
  }
  function example(spec, schema, depth) {
    schema = resolve(spec, schema, 0);
    if (!schema || depth > 5) return null;
    if (schema.example !== undefined) return schema.example;
    if (schema.allOf) return Object.assign.apply(null, [{}].concat(schema.allOf.map(function (s) { return example(spec, s, depth + 1) || {}; })));
    if (schema.oneOf) return example(spec, schema.oneOf[0], depth + 1);
    var t = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (t === "object" || schema.properties) {
      var o = {};
      Object.keys(schema.properties || {}).forEach(function (k) { o[k] = example(spec, schema.properties[k], depth + 1); });
      return o;
    }
    if (t === "array") return [example(spec, schema.items, depth + 1)];
    if (schema.enum) return schema.enum[0];
    if (t === "string") return schema.format === "uuid" ? "00000000-0000-0000-0000-000000000000" : (schema.format || "string");
    if (t === "integer" || t === "number") return 0;
    if (t === "boolean") return false;
    return null;
  }
  function block(title, value) {
    return el("div", {}, [el("h3", {}, [title]), el("pre", {}, [JSON.stringify(value, null, 2)])]);
  }
  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (spec) {
    document.getElementById("intro").textContent = spec.info.description || "";
    var main = document.getElementById("ops");
    var byTag = {};
    Object.keys(spec.paths).forEach(function (path) {
      Object.keys(spec.paths[path]).forEach(function (method) {
        var op = spec.paths[path][method];
        var tag = (op.tags && op.tags[0]) || "other";
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    Object.keys(byTag).sort().forEach(function (tag) {
      main.append(el("h2", {}, [tag]));
      byTag[tag].forEach(function (x) {
        var section = el("section", {}, []);
        if (x.op.description) section.append(el("p", {}, [x.op.description]));
        (x.op.parameters || []).forEach(function (p) {
          section.append(el("p", {}, [el("code", {}, [p.name]), " (" + p.in + (p.required ? ", required" : "") + ") " + (p.description || "")]));
        });
        var body = x.op.requestBody && x.op.requestBody.content["application/json"];
        if (body) section.append(block("Request body", example(spec, body.schema, 0)));
        Object.keys(x.op.responses || {}).forEach(function (code) {
          var resp = x.op.responses[code];
          var c = resp.content && (resp.content["application/json"] || resp.content[Object.keys(resp.content)[0]]);
          var value = c ? (c.example !== undefined ? c.example : example(spec, c.schema, 0)) : resp.description;
          section.append(block(code + " " + (resp.description || ""), value));
        });
        var summary = el("summary", {}, [el("span", { class: "m " + x.method }, [x.method.toUpperCase()]), x.path + "  " + (x.op.summary || "")]);
        main.append(el("details", { "data-search": (x.method + " " + x.path + " " + (x.op.summary || "")).toLowerCase() }, [summary, section]));
      });
    });
    document.getElementById("filter").addEventListener("input", function (e) {
      var q = e.target.value.toLowerCase();
      document.querySelectorAll("details").forEach(function (d) { d.hidden = d.dataset.search.indexOf(q) < 0; });
    });
  });
})();
