"""Mirrors local/package_sizes.py: a function is measured with the layers it uses, and one over Lambda's quota fails
the build."""
from __future__ import annotations

from local import package_sizes

BUILT_TEMPLATE = """
Globals:
  Function:
    Layers:
    - Ref: DomainLayer
Resources:
  DomainLayer:
    Type: AWS::Serverless::LayerVersion
  SmallFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
      Role: !GetAtt SmallFunctionRole.Arn
  BigFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.lambda_handler
"""


def built(tmp_path, sizes: dict[str, int]):
    (tmp_path / "template.yaml").write_text(BUILT_TEMPLATE)
    for name, size in sizes.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "blob").write_bytes(b"\0" * size)
    return tmp_path


def test_each_function_counts_its_layers(tmp_path):
    build = built(tmp_path, {"DomainLayer": 3000, "SmallFunction": 100, "BigFunction": 5000})
    assert package_sizes.sizes(build) == {"SmallFunction": 3100, "BigFunction": 8000}


def test_a_function_over_the_quota_fails(tmp_path, monkeypatch, capsys):
    build = built(tmp_path, {"DomainLayer": 3000, "SmallFunction": 100, "BigFunction": 5000})
    monkeypatch.setattr(package_sizes, "BUILD", build)
    monkeypatch.setattr(package_sizes, "LAMBDA_UNZIPPED_LIMIT", 4000)
    assert package_sizes.main() == 1
    assert "BigFunction" in capsys.readouterr().err
    monkeypatch.setattr(package_sizes, "LAMBDA_UNZIPPED_LIMIT", 8000)
    assert package_sizes.main() == 0


def test_a_layer_module_without_its_bytecode_is_named(tmp_path):
    import py_compile
    build = built(tmp_path, {"DomainLayer": 10, "SmallFunction": 10, "BigFunction": 10})
    compiled, bare = build / "DomainLayer" / "python" / "compiled.py", build / "DomainLayer" / "python" / "bare.py"
    compiled.parent.mkdir()
    compiled.write_text("x = 1\n")
    bare.write_text("y = 2\n")
    py_compile.compile(str(compiled))
    (build / "SmallFunction" / "app.py").write_text("z = 3\n")  # a function's own code may ship as source
    assert package_sizes.uncompiled(build) == [bare]
