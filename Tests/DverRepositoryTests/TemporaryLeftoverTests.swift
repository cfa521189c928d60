import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `.dver/tmp/` after pipeline jobs that were killed or kept their datum directories: gc deletes
/// those directories whatever a datum left in them, and keeps a running push's staging directory.
@Suite("gc and fsck: leftover directories in .dver/tmp")
struct TemporaryLeftoverTests {
    /// Creates `depth` nested directories `dd` under `base` through descriptors (the full path is
    /// longer than PATH_MAX), with a file at the bottom.
    static func makeDeepChain(under base: String, depth: Int) throws {
        var fd = open(base, O_RDONLY | O_DIRECTORY)
        try #require(fd >= 0)
        for _ in 0..<depth {
            try #require(mkdirat(fd, "dd", 0o755) == 0)
            let next = openat(fd, "dd", O_RDONLY | O_DIRECTORY)
            close(fd)
            fd = next
            try #require(fd >= 0)
        }
        let file = openat(fd, "bottom", O_WRONLY | O_CREAT, 0o644)
        #expect(file >= 0)
        close(file)
        close(fd)
    }

    @Test("gc deletes a killed job's datum directory even with read-only and very deep directories; fsck describes it")
    func jobDirectoriesAreDeleted() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        try ws.commit("one")
        let tmp = ws.project.layout.temporaryDirectory
        let out = "\(tmp)/job-0000abcd12345678/0123456789abcdef/pfs/out"
        try FileSystem.createDirectories("\(out)/locked")
        try FileSystem.writeAtomically("\(out)/locked/result.csv", text: "x\n", durable: false)
        try FileSystem.changeMode("\(out)/locked", 0o500)
        try FileSystem.createDirectories("\(out)/hidden/inside")
        try FileSystem.changeMode("\(out)/hidden", 0o000)
        try Self.makeDeepChain(under: out, depth: 2_100)
        try FileSystem.writeAtomically("\(tmp)/pack-123-456.tmp", [1, 2, 3], durable: false)

        let warnings = try ws.project.fsck().warnings
        #expect(warnings.contains { $0.hasPrefix("tmp/job-0000abcd12345678/ holds the datum directories of pipeline job 0000abcd12345678") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("tmp/pack-123-456.tmp is a leftover temporary file") }, "\(warnings)")

        #expect(try ws.project.collectGarbage(dryRun: true).leftovers.contains("tmp/job-0000abcd12345678/"))
        #expect(FileSystem.exists("\(tmp)/job-0000abcd12345678"))
        let report = try ws.project.collectGarbage()
        #expect(report.leftovers.sorted() == ["tmp/job-0000abcd12345678/", "tmp/pack-123-456.tmp"])
        #expect(try FileSystem.list(tmp).isEmpty)
        #expect(try ws.project.fsck().warnings.isEmpty)
    }

    @Test("gc keeps the staging directory of a running push and deletes that of a push whose process is gone")
    func pushStagingDirectories() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        try ws.commit("one")
        let tmp = ws.project.layout.temporaryDirectory
        let running = "push-\(getpid())-17"
        let gone = "push-99999999-18"  // above any pid_max: no such process
        for name in [running, gone] {
            try FileSystem.createDirectories("\(tmp)/\(name)")
            try FileSystem.writeAtomically("\(tmp)/\(name)/pack-1.tmp", [1], durable: false)
        }
        #expect(try ws.project.fsck().warnings == ["tmp/\(gone)/ is the staging directory of an interrupted push; 'dver gc' deletes it"])
        let report = try ws.project.collectGarbage()
        #expect(report.leftovers == ["tmp/\(gone)/"])
        #expect(try FileSystem.list(tmp).map(\.name) == [running])
    }
}
