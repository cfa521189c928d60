import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `dver mount` from the local store, through the kernel (real FUSE): listings, bytes,
/// metadata, concurrent revisions, refused writes, damaged objects.
@Suite("CLI: dver mount (FUSE)", .enabled(if: Mounts.isAvailable, "needs root and /dev/fuse (FUSE mounts)"), .serialized)
struct MountTests {
    /// A project whose repo raw holds small and large files (a multi-level chunk list), an
    /// empty file, an executable, symlinks and nested directories, committed.
    static func dataset() throws -> TestProject {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 13)
        try project.write("data/raw/a.csv", "1,2\n3,4\n")
        try project.write("data/raw/empty.txt", "")
        try project.write("data/raw/images/cats/1.bin", generator.bytes(300_000))
        try project.write("data/raw/images/dogs/2.bin", generator.bytes(17))
        try project.write("data/raw/big.bin", generator.mixture(12 << 20))
        try project.write("data/raw/tools/run.sh", "#!/bin/sh\necho ran\n")
        chmod(project.path("data/raw/tools/run.sh"), 0o755)
        symlink("../a.csv", project.path("data/raw/tools/link.csv"))
        symlink("images/cats", project.path("data/raw/cats"))
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "first drop"])
        return project
    }

    @Test("ls -R, sizes, modes, symlinks and bytes equal the checkout; times are the commit's")
    func matchesTheCheckout() throws {
        let project = try Self.dataset()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try project.mount("raw@main", at: mountPoint)
        #expect(Mounts.entry(at: mountPoint)?.source.hasPrefix("dver:raw@") == true)
        let checkout = project.path("data/raw")
        #expect(try Mounts.tree(mountPoint) == Mounts.tree(checkout))
        #expect(try project.hashes(under: mountPoint) == project.hashes(under: checkout))
        // `cmp` itself, on the largest file.
        let cmp = Process()
        cmp.executableURL = URL(fileURLWithPath: "/usr/bin/cmp")
        cmp.arguments = ["\(mountPoint)/big.bin", "\(checkout)/big.bin"]
        try cmp.run()
        cmp.waitUntilExit()
        #expect(cmp.terminationStatus == 0)

        var status = stat()
        #expect(lstat("\(mountPoint)/a.csv", &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o444 && status.st_uid == getuid())
        #expect(lstat("\(mountPoint)/tools/run.sh", &status) == 0 && status.st_mode & 0o7777 == 0o555)
        #expect(lstat("\(mountPoint)/images", &status) == 0 && status.st_mode & 0o7777 == 0o555)
        let log = try project.run(["log", "--json", "raw"]).jsonArray()
        let stamp = try #require(log.first?["time"] as? String)
        let time = try #require(ISO8601DateFormatter.withFractions.date(from: stamp))
        #expect(lstat("\(mountPoint)/big.bin", &status) == 0)
        let mtime = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        #expect(abs(mtime - time.timeIntervalSince1970) < 0.002, "mtime \(mtime), commit \(time)")
        #expect(status.st_mtim.tv_sec == status.st_ctim.tv_sec && status.st_mtim.tv_sec == status.st_atim.tv_sec)
        // A symlink is followed by the kernel, inside the mount.
        #expect(try String(contentsOfFile: "\(mountPoint)/tools/link.csv", encoding: .utf8) == "1,2\n3,4\n")
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "\(mountPoint)/tools/run.sh")
        let output = Pipe()
        run.standardOutput = output
        try run.run()
        run.waitUntilExit()
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "ran\n")

        project.run(["umount", mountPoint])
        #expect(Mounts.waitUntilUnmounted(mountPoint))
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).isEmpty)
    }

    @Test("random-offset reads (pread) return exactly the file's bytes, also across chunks and at the end")
    func randomReads() throws {
        let project = try Self.dataset()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try project.mount("raw@main", at: mountPoint)
        let expected = try project.read("data/raw/big.bin")
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<300 {
            let offset = Int.random(in: 0..<expected.count, using: &generator)
            let count = [1, 7, 4096, 65_536, 300_000].randomElement(using: &generator) ?? 1
            let got = try Mounts.pread("\(mountPoint)/big.bin", offset: offset, count: count).get()
            #expect(got == Array(expected[offset..<min(expected.count, offset + count)]), "at \(offset), \(count) bytes")
        }
        #expect(try Mounts.pread("\(mountPoint)/big.bin", offset: expected.count, count: 10).get().isEmpty)
        #expect(try Mounts.pread("\(mountPoint)/big.bin", offset: expected.count + 5000, count: 10).get().isEmpty)
        #expect(try Mounts.counter("failed_reads", mountPoint) == 0)
    }

    @Test("two revisions mounted at once: the older shows the old bytes")
    func twoRevisions() throws {
        let project = try Self.dataset()
        let old = try project.read("data/raw/big.bin")
        try project.write("data/raw/a.csv", "changed\n")
        try project.write("data/raw/big.bin", Array(old.prefix(5 << 20)) + Array("appended".utf8))
        try project.remove("data/raw/empty.txt")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "second"])
        let current = try project.mountPoint("current")
        let previous = try project.mountPoint("previous")
        defer { Mounts.detach(current); Mounts.detach(previous) }
        try project.mount("raw@main", at: current)
        let commit = try #require(try project.run(["log", "--json", "raw"]).jsonArray().last?["id"] as? String)
        try project.mount("raw@\(commit.prefix(10))", at: previous)
        #expect(try project.read("\(current)/a.csv") == Array("changed\n".utf8))
        #expect(try project.read("\(previous)/a.csv") == Array("1,2\n3,4\n".utf8))
        #expect(try project.read("\(previous)/big.bin") == old)
        #expect(try project.read("\(current)/big.bin") == project.read("data/raw/big.bin"))
        #expect(FileManager.default.fileExists(atPath: "\(previous)/empty.txt"))
        #expect(!FileManager.default.fileExists(atPath: "\(current)/empty.txt"))
        // raw@main~1 names the same commit.
        let third = try project.mountPoint("third")
        defer { Mounts.detach(third) }
        try project.mount("raw@main~1", at: third)
        #expect(try project.read("\(third)/a.csv") == Array("1,2\n3,4\n".utf8))
    }

    @Test("writes of every kind are refused with EROFS")
    func writesRefused() throws {
        let project = try Self.dataset()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try project.mount("raw@main", at: mountPoint)
        func expectReadOnly(_ result: Int32, _ what: String) {
            let code = errno
            #expect(result == -1 && code == EROFS, "\(what): \(result), errno \(code)")
        }
        expectReadOnly(open("\(mountPoint)/a.csv", O_WRONLY), "open for writing")
        expectReadOnly(open("\(mountPoint)/a.csv", O_RDWR), "open read-write")
        expectReadOnly(open("\(mountPoint)/new.txt", O_WRONLY | O_CREAT, 0o644), "create")
        expectReadOnly(mkdir("\(mountPoint)/newdir", 0o755), "mkdir")
        expectReadOnly(unlink("\(mountPoint)/a.csv"), "unlink")
        expectReadOnly(rename("\(mountPoint)/a.csv", "\(mountPoint)/b.csv"), "rename")
        expectReadOnly(chmod("\(mountPoint)/a.csv", 0o644), "chmod")
        expectReadOnly(truncate("\(mountPoint)/a.csv", 0), "truncate")
        expectReadOnly(symlink("a.csv", "\(mountPoint)/s"), "symlink")
        #expect(try project.read("\(mountPoint)/a.csv") == Array("1,2\n3,4\n".utf8))
    }

    @Test("a damaged chunk fails the reads that need it with EIO, logs its id, and no other read")
    func damagedChunkIsEIO() throws {
        let project = try Self.dataset()
        let expected = try project.read("data/raw/big.bin")
        let chunks = try project.chunks(ofList: project.entryID("raw@main", "big.bin"))
        // A chunk in the middle, far (MiBs) from the ranges read below, as kernel read-ahead is.
        let damaged = try #require(chunks.first { $0.offset > 6 << 20 })
        try project.damageStoredObject(damaged.id)
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        let log = "\(project.outside)/mount.log"
        try project.mount("raw@main", at: mountPoint, ["--log", log])
        let file = "\(mountPoint)/big.bin"
        #expect(Mounts.pread(file, offset: damaged.offset + 10, count: 100) == .failure(Mounts.Errno(EIO)))
        #expect(try Mounts.pread(file, offset: 0, count: 4096).get() == Array(expected[0..<4096]))
        let tail = expected.count - 4096
        #expect(try Mounts.pread(file, offset: tail, count: 4096).get() == Array(expected[tail...]))
        #expect(Mounts.pread(file, offset: damaged.offset + damaged.length - 1, count: 1) == .failure(Mounts.Errno(EIO)))
        // Reading the whole file stops at the damage, never returning other bytes for it.
        #expect(throws: (any Error).self) { try project.read(file) }
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("EIO") && text.contains("object \(damaged.id) is corrupt"), "\(text)")
        #expect(try Mounts.counter("failed_reads", mountPoint) >= 2)
        // Other files are unaffected.
        #expect(try project.read("\(mountPoint)/a.csv") == Array("1,2\n3,4\n".utf8))
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
