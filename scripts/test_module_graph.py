"""Tests of scripts/module-graph.py's parser: every import form Rust writes, and the checks that
fail CI (a cycle, even through grouped and renamed imports; a front end importing another).

    python3 -m unittest discover -s scripts -p 'test_*.py'
"""
import contextlib
import importlib.util
import io
import pathlib
import tempfile
import textwrap
import unittest

_spec = importlib.util.spec_from_file_location(
    "module_graph", pathlib.Path(__file__).resolve().parent / "module-graph.py"
)
module_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(module_graph)


def tree(files):
    """A src/ folder holding `files` ({relative path: text}); the caller removes it."""
    root = pathlib.Path(tempfile.mkdtemp())
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run(src, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = module_graph.main(["module-graph.py", "--src", str(src), *args])
    return status, out.getvalue()


class UseTrees(unittest.TestCase):
    def test_nested_groups_renames_self_and_globs(self):
        paths = module_graph.expand_use_tree(
            "crate::routes::{kit::{body, guard as g}, self, api::*}"
        )
        self.assertEqual(
            paths,
            [
                ("crate", "routes", "kit", "body"),
                ("crate", "routes", "kit", "guard"),
                ("crate", "routes"),
                ("crate", "routes", "api"),
            ],
        )

    def test_a_plain_path_and_a_rename(self):
        self.assertEqual(
            module_graph.expand_use_tree("super::document::CoreApiError as E"),
            [("super", "document", "CoreApiError")],
        )

    def test_multi_line_groups(self):
        paths = module_graph.expand_use_tree("crate::{\n    app::{self,\n engagements},\n    storage,\n}")
        self.assertEqual(
            paths, [("crate", "app"), ("crate", "app", "engagements"), ("crate", "storage")]
        )


class Imports(unittest.TestCase):
    def test_every_form_is_read_and_resolved_from_the_importing_module(self):
        text = """
            use crate::routes::{guard as family_guard, html};
            use super::document::{self, CoreApiError};
            use self::inner::Thing;
            mod inner;
            use inner::Other;
            fn f() { crate::storage::now_millis(); super::sibling::g(); }
            // use crate::commented::Out;
            const S: &str = "crate::in_a_string::x";
            #[cfg(test)]
            mod tests { use crate::only_in_tests::X; }
        """
        found = module_graph.imports(textwrap.dedent(text), ["routes", "core_api", "auth"])
        self.assertIn(["routes", "guard"], found)
        self.assertIn(["routes", "html"], found)
        self.assertIn(["routes", "core_api", "document"], found)
        self.assertIn(["routes", "core_api", "document", "CoreApiError"], found)
        self.assertIn(["routes", "core_api", "auth", "inner", "Thing"], found)
        self.assertIn(["routes", "core_api", "auth", "inner", "Other"], found)
        self.assertIn(["storage", "now_millis"], found)
        self.assertIn(["routes", "core_api", "sibling", "g"], found)
        flat = ["::".join(p) for p in found]
        for absent in ["commented", "in_a_string", "only_in_tests"]:
            self.assertFalse(any(absent in p for p in flat), (absent, flat))

    def test_other_crates_are_not_the_crates_modules(self):
        found = module_graph.imports("use serde::Serialize;\nuse std::{fmt, io};", ["app"])
        self.assertEqual(found, [])


class Checks(unittest.TestCase):
    def test_a_cycle_through_grouped_and_renamed_imports_fails(self):
        src = tree(
            {
                "lib.rs": "pub mod a;\npub mod b;\n",
                "a/mod.rs": "pub mod x;\n",
                "a/x.rs": "use crate::{b::{y as why}};\n",
                "b/mod.rs": "pub mod y;\n",
                "b/y.rs": "use crate::a::{x::{self as ex}};\n",
            }
        )
        status, out = run(src, "--depth", "2")
        self.assertEqual(status, 1, out)
        self.assertIn("a::x <-> b::y", out)
        status, out = run(src)
        self.assertEqual(status, 1, out)
        self.assertIn("a <-> b", out)

    def test_a_super_path_cycle_inside_a_folder_fails(self):
        src = tree(
            {
                "routes/mod.rs": "pub mod api;\npub mod kit;\n",
                "routes/api.rs": "use super::kit::body;\n",
                "routes/kit/mod.rs": "pub mod body;\n",
                "routes/kit/body.rs": "fn f() { super::super::api::g(); }\n",
            }
        )
        status, out = run(src, "--depth", "2", "--within", "routes")
        self.assertEqual(status, 1, out)
        self.assertIn("routes::api <-> routes::kit", out)

    def test_no_cycle_passes_and_only_main_lib_and_cli_may_import_startup(self):
        src = tree(
            {
                "lib.rs": "pub mod app;\npub mod cli;\npub mod startup;\n",
                "main.rs": "use talkative::startup;\nfn main() { crate::startup::run(); }\n",
                "startup.rs": "use crate::app::Core;\n",
                "app/mod.rs": "pub struct Core;\n",
                "cli/mod.rs": "mod serve;\n",
                "cli/serve.rs": "use crate::startup::Application;\n",
            }
        )
        status, out = run(src)
        self.assertEqual(status, 0, out)
        (src / "app" / "mod.rs").write_text("use crate::startup::run;\npub struct Core;\n")
        status, out = run(src)
        self.assertEqual(status, 1, out)
        self.assertIn("imports startup", out)

    def test_a_front_end_importing_a_sibling_fails(self):
        src = tree(
            {
                "routes/mod.rs": "pub mod api;\npub mod widget;\npub mod kit;\n",
                "routes/kit.rs": "pub fn body() {}\n",
                "routes/api.rs": "use super::kit;\n",
                "routes/widget.rs": "use crate::routes::{kit, api::{uuid_of as u}};\n",
            }
        )
        status, out = run(src, "--depth", "2", "--siblings")
        self.assertEqual(status, 1, out)
        self.assertIn("routes::widget -> routes::api", out)
        (src / "routes" / "widget.rs").write_text("use crate::routes::kit;\n")
        status, out = run(src, "--depth", "2", "--siblings")
        self.assertEqual(status, 0, out)

    def test_the_web_layer_reaching_storage_directly_fails(self):
        src = tree(
            {
                "storage/mod.rs": "pub struct StoredKey;\n",
                "app/mod.rs": "pub mod records;\n",
                "app/records.rs": "pub use crate::storage::StoredKey;\n",
                "routes/mod.rs": "use crate::{app::records::StoredKey, storage::{self as rows}};\n",
            }
        )
        status, out = run(src)
        self.assertEqual(status, 1, out)
        self.assertIn("routes imports storage directly (go through app::records)", out)
        (src / "routes" / "mod.rs").write_text("use crate::app::records::StoredKey;\n")
        status, out = run(src)
        self.assertEqual(status, 0, out)
        self.assertIn("routes does not import storage", out)


if __name__ == "__main__":
    unittest.main()
