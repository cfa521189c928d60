import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Documented exit codes and the messages that go with them.
@Suite("exit codes and messages")
struct ExitCodeTests {
    /// A project with repo `raw` holding two commits of `data/raw/a.csv`.
    private func twoCommits() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "id\n1\n")
        try project.write("data/raw/keep.txt", "unchanged\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        try project.append("data/raw/a.csv", "2\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "two"])
        return project
    }

    @Test("checkout over a modified file exits 2 naming it and --force; --force then works")
    func checkoutRefusesToLoseChanges() throws {
        let project = try twoCommits()
        try project.write("data/raw/a.csv", "local edit\n")
        let refused = project.run(["checkout", "raw@main~1"], expect: 2)
        #expect(refused.stderr.contains("data/raw/a.csv"), "\(refused)")
        #expect(refused.stderr.contains("--force"))
        #expect(!refused.stderr.contains("keep.txt"))
        #expect(try project.read("data/raw/a.csv") == Array("local edit\n".utf8), "refusal must not touch the file")

        // A staged (but uncommitted) change is protected too.
        project.run(["add", "data/raw"])
        #expect(project.run(["checkout", "raw@main~1"], expect: 2).stderr.contains("data/raw/a.csv"))

        project.run(["checkout", "--force", "raw@main~1"])
        #expect(try project.read("data/raw/a.csv") == Array("id\n1\n".utf8))
        #expect(project.run(["status"]).stdout.contains("nothing to commit"))
    }

    @Test("unknown repos and revisions exit 1 naming them")
    func unknownRepoAndRevision() throws {
        let project = try twoCommits()
        #expect(project.run(["checkout", "nope@main"], expect: 1).stderr.contains("'nope'"))
        #expect(project.run(["log", "nope"], expect: 1).stderr.contains("'nope'"))
        #expect(project.run(["checkout", "raw@nobranch"], expect: 1).stderr.contains("nobranch"))
        #expect(project.run(["cat", "raw@beefbeef:a.csv"], expect: 1).stderr.contains("beefbeef"))
        #expect(project.run(["diff", "raw@main~5", "raw@main"], expect: 1).stderr.contains("main~5"))
        #expect(project.run(["cat", "raw@main:missing.csv"], expect: 1).stderr.contains("missing.csv"))
        #expect(project.run(["checkout", "0123456789abcdef"], expect: 1).stderr.contains("0123456789abcdef"))
    }

    @Test("paths outside the project exit 1", arguments: ["/etc", "../x", "data/../../x"])
    func pathsOutsideTheProject(path: String) throws {
        let project = try TestProject()
        let result = project.run(["add", path], expect: 1)
        #expect(result.stderr.contains("outside the project"), "\(result)")
        #expect(result.stderr.contains("'\(path)'"))
        #expect(!project.run(["status"]).stdout.contains("staged"))
    }

    @Test("a symlink leaving the workspace is refused, naming it, and nothing is staged")
    func escapingSymlink() throws {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1\n")
        try FileManager.default.createSymbolicLink(atPath: project.path("data/raw/pw"), withDestinationPath: "/etc/passwd")
        let result = project.run(["add", "data/raw"], expect: 1)
        #expect(result.stderr.contains("data/raw/pw"), "\(result)")
        #expect(result.stderr.contains("/etc/passwd"))
        let status = project.run(["status"])
        #expect(!status.stdout.contains("staged for commit"), "\(status)")
        #expect(!status.stdout.contains("repo raw"), "the failed add must not create the repo")
        #expect(project.run(["commit", "-m", "x"], expect: 1).stderr.contains("nothing to commit"))

        // The same inside an existing repo: earlier staged state is kept, nothing new is staged.
        try project.remove("data/raw/pw")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        try project.write("data/raw/b.csv", "2\n")
        try FileManager.default.createSymbolicLink(atPath: project.path("data/raw/up"), withDestinationPath: "../../../x")
        #expect(project.run(["add", "data/raw"], expect: 1).stderr.contains("data/raw/up"))
        let after = try project.run(["status", "--json"]).jsonArray()
        #expect((after.first?["staged"] as? [Any])?.isEmpty == true, "\(after)")
        // A symlink that stays inside the repo is fine.
        try project.remove("data/raw/up")
        try FileManager.default.createSymbolicLink(atPath: project.path("data/raw/alias.csv"), withDestinationPath: "b.csv")
        project.run(["add", "data/raw"])
    }

    @Test("a store written by a newer dver is refused with exit 1")
    func newerStoreFormat() throws {
        let project = try TestProject()
        try project.write(".dver/format", "dver store format 99\n")
        for command in [["status"], ["log"], ["fsck"]] {
            let result = project.run(command, expect: 1)
            #expect(result.stderr.contains("newer dver"), "\(result)")
        }
    }

    /// A project whose largest pack holds only the chunks of `data/raw/data.bin`, and whose
    /// `small.txt` lives in another pack.
    private func projectWithDataPack() throws -> (TestProject, [UInt8]) {
        let project = try TestProject()
        var random = SeededGenerator(seed: 0xBAD_BEEF)
        let data = random.bytes(600_000)
        try project.write("data/raw/data.bin", data)
        project.run(["add", "data/raw"])
        try project.write("data/raw/small.txt", "small\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "one"])
        return (project, data)
    }

    @Test("a flipped byte in a pack: fsck and cat of the file exit 3; other files still read")
    func flippedByte() throws {
        let (project, data) = try projectWithDataPack()
        #expect(Array(project.run(["cat", "raw@main:data.bin"]).stdoutData) == data)
        // The data is incompressible, so it is stored raw: flip a byte inside its copy in the pack.
        let pack = try project.largestPack()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: pack))
        let needle = Data(data[300_000..<300_064])
        let found = try #require(bytes.range(of: needle), "data.bin's bytes not found in \(pack)")
        bytes[found.lowerBound + 10] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: pack))

        let fsck = project.run(["fsck"], expect: 3)
        #expect(fsck.output.contains("error"), "\(fsck)")
        let report = try project.run(["fsck", "--json"], expect: 3).jsonObject()
        #expect(report["healthy"] as? Bool == false)
        #expect(!((report["errors"] as? [String]) ?? []).isEmpty)
        let cat = project.run(["cat", "raw@main:data.bin"], expect: 3)
        #expect(cat.stderr.contains("corrupt") || cat.stderr.contains("fsck"), "\(cat.stderr)")
        #expect(project.run(["cat", "raw@main:small.txt"]).stdout == "small\n")
    }

    @Test("a truncated pack: fsck exits 3")
    func truncatedPack() throws {
        let (project, _) = try projectWithDataPack()
        let pack = try project.largestPack()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: pack)[.size] as? Int)
        #expect(truncate(pack, off_t(size / 2)) == 0)
        let fsck = project.run(["fsck"], expect: 3)
        #expect(fsck.output.contains(URL(fileURLWithPath: pack).deletingPathExtension().lastPathComponent), "\(fsck)")
        project.run(["cat", "raw@main:data.bin"], expect: 3)
    }
}
