import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted over a test's project directory, standing in for a full disk.
///
/// Why not `chmod 555 .dver/packs`: the tests run as root, which ignores permission bits, so a
/// read-only directory blocks nothing. A size-limited tmpfs produces a real ENOSPC instead. It
/// needs CAP_SYS_ADMIN (root outside a restricted container); without it these tests are skipped.
enum Tmpfs {
    /// Whether mounting a tmpfs works here (probed once with a throwaway mount).
    static let isAvailable: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("dver-tmpfs-probe-\(UUID().uuidString)").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard mount(at: probe, megabytes: 1) else { return false }
        unmount(probe)
        return true
    }()

    static func mount(at path: String, megabytes: Int) -> Bool {
        Glibc.mount("tmpfs", path, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0
    }

    static func unmount(_ path: String) { _ = umount2(path, Int32(MNT_DETACH)) }
}

@Suite("disk full", .enabled(if: Tmpfs.isAvailable, "mounting a tmpfs needs root with CAP_SYS_ADMIN"))
struct DiskFullTests {
    /// The project lives on an 8 MiB tmpfs. (The brief's 2 MiB cannot hold the 5 MiB file being
    /// added, which must sit in the project too; 8 MiB holds the file but not a second copy.)
    private static let megabytes = 8

    @Test("add of a 5 MiB file on a full disk: error about space, store intact, nothing staged")
    func addRunsOutOfSpace() throws {
        let project = try TestProject(initialize: false)
        try #require(Tmpfs.mount(at: project.root, megabytes: Self.megabytes))
        defer { Tmpfs.unmount(project.root) }
        project.run(["init"])
        var random = SeededGenerator(seed: 0xF011)
        try project.write("data/raw/big.bin", random.bytes(5 << 20))

        let add = project.run(["add", "data/raw"], expect: nil)
        #expect(add.status != 0, "\(add)")
        #expect(add.stderr.contains("No space left on device"), "\(add)")
        #expect(add.stderr.contains("free some disk space"), "\(add)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.path(".dver/tmp")).isEmpty,
                "the failed add left temporary files")

        let fsck = project.run(["fsck"])
        #expect(!fsck.stderr.contains("warning"), "\(fsck)")
        let status = project.run(["status"])
        #expect(!status.stdout.contains("staged for commit"), "\(status)")
        project.run(["commit", "-m", "nothing"], expect: 1)

        // Once there is room again, the same add and a commit work.
        try project.write("data/raw/big.bin", random.bytes(1 << 20))
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "fits"])
        #expect(try project.read("data/raw/big.bin") == Array(project.run(["cat", "raw@main:big.bin"]).stdoutData))
        project.run(["fsck"])
    }

    @Test("commit on a full disk fails cleanly; the staged changes survive for the retry")
    func commitRunsOutOfSpace() throws {
        let project = try TestProject(initialize: false)
        try #require(Tmpfs.mount(at: project.root, megabytes: Self.megabytes))
        defer { Tmpfs.unmount(project.root) }
        project.run(["init"])
        try project.write("data/raw/a.csv", "1,2\n")
        project.run(["add", "data/raw"])
        try fillDisk(project.path("filler"))

        let commit = project.run(["commit", "-m", "one"], expect: nil)
        #expect(commit.status != 0, "\(commit)")
        #expect(commit.stderr.contains("No space left on device"), "\(commit)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.path(".dver/tmp")).isEmpty,
                "the failed commit left temporary files")
        let fsck = project.run(["fsck"])
        #expect(!fsck.stderr.contains("warning"), "\(fsck)")
        #expect(project.run(["log"]).stdout.contains("no commits yet"))
        #expect(project.run(["status"]).stdout.contains("added    data/raw/a.csv"))

        try project.remove("filler")
        project.run(["commit", "-m", "one"])
        #expect(project.run(["cat", "raw@main:a.csv"]).stdout == "1,2\n")
        project.run(["fsck"])
    }

    /// Writes zeros until the file system is full.
    private func fillDisk(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let block = [UInt8](repeating: 0, count: 64 << 10)
        var written = 0
        while true {
            let result = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result <= 0 { break }
            written += result
        }
        #expect(errno == ENOSPC && written > 0)
    }
}
