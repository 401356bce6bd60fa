"""`make build` ends here: each function as `sam build` left it in .aws-sam/build, with the layers it uses, against
Lambda's quota of 250 MB unzipped (function and layers together). The weekly digest carries matplotlib and numpy
besides the domain layer, so this is the check that tells us before a deploy refuses it. It also checks that every
layer ships its bytecode (layers/domain/Makefile): Lambda's /opt is read-only, so a module without its .pyc would be
compiled again at every cold start."""
from __future__ import annotations

import importlib.util
import pathlib
import sys

import yaml

BUILD = pathlib.Path(".aws-sam/build")
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # bytes, function and all its layers


def folder_bytes(folder: pathlib.Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def sizes(build: pathlib.Path | None = None) -> dict[str, int]:
    """Each function's unzipped size with its layers, from the built template (a layer is built to its logical id)."""
    build = build or BUILD
    template = yaml.load((build / "template.yaml").read_text(), Loader=_IgnoreTags)
    resources = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    result = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        layers = resource.get("Properties", {}).get("Layers", global_layers)
        result[name] = folder_bytes(build / name) + sum(folder_bytes(build / _ref(layer)) for layer in layers)
    return result


def uncompiled(build: pathlib.Path | None = None) -> list[pathlib.Path]:
    """The layers' Python sources without their bytecode for this Python (3.13, the runtime's)."""
    build = build or BUILD
    template = yaml.load((build / "template.yaml").read_text(), Loader=_IgnoreTags)
    layers = [name for name, resource in template["Resources"].items()
              if resource["Type"] == "AWS::Serverless::LayerVersion"]
    return [source for layer in layers for source in sorted((build / layer).rglob("*.py"))
            if not pathlib.Path(importlib.util.cache_from_source(source)).is_file()]


def _ref(layer) -> str:
    return layer["Ref"] if isinstance(layer, dict) else layer


class _IgnoreTags(yaml.SafeLoader):
    """The built template keeps CloudFormation's short tags (!Ref, !Sub...): read them as plain values."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: (
    {suffix.lstrip("!") if suffix != "Ref" else "Ref": loader.construct_scalar(node)}
    if isinstance(node, yaml.ScalarNode) else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node)))


def main() -> int:
    found = sizes()
    too_big = {name: size for name, size in found.items() if size > LAMBDA_UNZIPPED_LIMIT}
    largest = max(found, key=found.get)
    print(f"package sizes: {len(found)} functions; the largest, {largest}, {found[largest] / 2**20:.0f} MB unzipped "
          f"with its layers (Lambda allows {LAMBDA_UNZIPPED_LIMIT / 2**20:.0f} MB)")
    for name, size in too_big.items():
        print(f"  {name}: {size / 2**20:.0f} MB is over the quota", file=sys.stderr)
    missing_bytecode = uncompiled()
    for source in missing_bytecode[:10]:
        print(f"  {source}: shipped without its bytecode (each cold start would compile it)", file=sys.stderr)
    return 1 if too_big or missing_bytecode else 0


if __name__ == "__main__":
    sys.exit(main())
