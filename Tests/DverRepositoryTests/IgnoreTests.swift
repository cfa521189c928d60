import DverCore
@testable import DverRepository
import DverSystem
import Foundation
import Testing

/// `.dverignore`: honoured by add and status; defaults a file can override; tracked files
/// stay tracked; ignored directories are not walked.
@Suite("Ignore files")
struct IgnoreTests {
    @Test("defaults, a root file, a nested file and negation, for add and status alike")
    func rules() throws {
        let ws = try Workspace.make([
            "data/raw/a.csv": "1\n", "data/raw/.DS_Store": "mac\n", "data/raw/notes.txt~": "backup\n",
            "data/raw/.ipynb_checkpoints/a-checkpoint.ipynb": "{}\n",
            "data/raw/tmp/scratch.bin": "x\n", "data/raw/keep.log": "log\n", "data/raw/debug.log": "log\n",
            "data/raw/sub/.dverignore": "*.csv\n", "data/raw/sub/b.csv": "2\n", "data/raw/sub/c.json": "{}\n",
            ".dverignore": "# project rules\ntmp/\n*.log\n!keep.log\n!.DS_Store\n",
        ])
        let added = try ws.add("data/raw")
        #expect(added.ignored == 5)  // notes.txt~, .ipynb_checkpoints/, tmp/, debug.log, sub/b.csv
        let tracked = try ws.index().entries.map(\.path)
        #expect(tracked == ["data/raw/.DS_Store", "data/raw/a.csv", "data/raw/keep.log", "data/raw/sub/.dverignore", "data/raw/sub/c.json"])
        try ws.commit("first")
        #expect(try ws.status("raw").isClean)
        try ws.write("data/raw/more.log", "x\n")
        try ws.write("data/raw/sub/d.csv", "x\n")
        try ws.write("data/raw/new.txt", "x\n")
        #expect(try ws.status("raw").untracked == ["data/raw/new.txt"])
    }

    @Test("a tracked file stays tracked when a rule later matches it; naming an ignored file adds it")
    func trackedStaysTracked() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "2\n"])
        try ws.add("data/raw")
        try ws.commit("first")
        try ws.write(".dverignore", "*.csv\n")
        try ws.write("data/raw/a.csv", "changed\n")
        #expect(try ws.status("raw").unstaged.map(\.path) == ["data/raw/a.csv"])
        try ws.add("data/raw")
        let index = try ws.index()
        #expect(index.entries.map(\.path) == ["data/raw/a.csv", "data/raw/b.csv"])
        #expect(try ws.status("raw").staged.map(\.path) == ["data/raw/a.csv"])
        try ws.write("data/raw/c.csv", "3\n")
        try ws.add("data/raw/c.csv")
        #expect(try ws.status("raw").staged.map(\.path) == ["data/raw/a.csv", "data/raw/c.csv"])
    }

    @Test("an ignored directory is not walked (an unreadable one inside it does not stop add or status)", .enabled(if: getuid() != 0, "root reads mode-000 directories"))
    func ignoredDirectoryNotWalked() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/cache/locked/x": "x\n", ".dverignore": "cache/\n"])
        try FileSystem.changeMode(ws.absolute("data/raw/cache/locked"), 0o000)
        defer { try? FileSystem.changeMode(ws.absolute("data/raw/cache/locked"), 0o755) }
        try ws.add("data/raw")
        try ws.commit("first")
        #expect(try ws.status("raw").isClean)
    }

    @Test("an ignored directory is not walked: its files are never listed, even thousands")
    func ignoredDirectoryIsSkipped() throws {
        var files: [String: FileContent] = ["data/raw/a.csv": "1\n", ".dverignore": "venv/\n"]
        for index in 0..<2000 { files["data/raw/venv/lib/f\(index).py"] = "x\n" }
        let ws = try Workspace.make(files)
        let added = try ws.add("data/raw")
        #expect(added.added == 1 && added.ignored == 1)
        try ws.commit("first")
        #expect(try ws.status("raw").isClean)
    }
}
