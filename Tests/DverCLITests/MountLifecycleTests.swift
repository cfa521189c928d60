import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Mount points that cannot be used, stale mounts after a crash, signals, and unmounting.
@Suite("CLI: dver mount lifecycle (FUSE)", .enabled(if: Mounts.isAvailable, "needs root and /dev/fuse (FUSE mounts)"), .serialized)
struct MountLifecycleTests {
    static func project() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1,2\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "one"])
        return project
    }

    @Test("mount points that are missing, files, non-empty or already mounted are refused, saying why")
    func badMountPoints() throws {
        let project = try Self.project()
        let missing = "\(project.outside)/nowhere"
        #expect(project.run(["mount", "raw@main", missing], expect: 1).stderr.contains("does not exist; create it first"))
        try project.write("\(project.outside)/file", "x")
        #expect(project.run(["mount", "raw@main", "\(project.outside)/file"], expect: 1).stderr.contains("is not a directory"))
        let full = try project.mountPoint("full")
        try project.write("\(full)/keep.txt", "x")
        #expect(project.run(["mount", "raw@main", full], expect: 1).stderr.contains("is not empty"))
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try project.mount("raw@main", at: mountPoint)
        let again = project.run(["mount", "raw@main", mountPoint], expect: 1)
        #expect(again.stderr.contains("already a mount point (fuse.dver)") && again.stderr.contains("dver umount"))
        #expect(project.run(["mount", "raw@nosuch", try project.mountPoint("other")], expect: 1).stderr.contains("no revision 'nosuch'"))
        #expect(project.run(["mount", "nope@main", try project.mountPoint("other")], expect: 1).stderr.contains("no repo 'nope'"))
        #expect(project.run(["mount", "raw@main:a.csv", mountPoint], expect: 64).stderr.contains("without :PATH"))
        #expect(project.run(["mount", "raw", mountPoint, "--cache-size", "1G"], expect: 64).stderr.contains("--remote"))
        #expect(project.run(["umount", full], expect: 1).stderr.contains("nothing is mounted"))
        try FileManager.default.createDirectory(atPath: project.path("data/raw/mnt"), withIntermediateDirectories: true)
        #expect(project.run(["mount", "raw@main", "data/raw/mnt"], expect: 1).stderr.contains("inside the workspace of repo 'raw'"))
        #expect(project.run(["mount", "raw@main", ".dver/tmp"], expect: 1).stderr.contains("inside the store"))
        #expect(project.run(["umount", "/proc"], expect: 1).stderr.contains("not a dver mount"))
    }

    @Test("a SIGKILLed mount leaves a stale mount; dver umount cleans it, and so does the next dver mount")
    func staleMounts() throws {
        let project = try Self.project()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        var pid = try project.mount("raw@main", at: mountPoint)
        kill(pid, SIGKILL)
        var code: Int32 = 0
        for _ in 0..<200 {
            var status = statvfs()
            if statvfs(mountPoint, &status) != 0 { code = errno; break }
            usleep(10_000)
        }
        #expect(code == ENOTCONN || code == ECONNABORTED, "a killed mount answers ENOTCONN (statfs: ECONNABORTED), not \(code)")
        #expect(open("\(mountPoint)/a.csv", O_RDONLY) == -1 && errno == ENOTCONN)
        #expect(project.run(["umount", mountPoint]).stdout.contains("Cleaned a stale mount"))
        var status = stat()
        #expect(!Mounts.isMounted(mountPoint) && stat(mountPoint, &status) == 0)

        pid = try project.mount("raw@main", at: mountPoint)
        kill(pid, SIGKILL)
        usleep(200_000)
        let remount = project.run(["mount", "raw@main", mountPoint])
        #expect(remount.stderr.contains("cleaned a stale mount"))
        #expect(try project.read("\(mountPoint)/a.csv") == Array("1,2\n".utf8))
        project.run(["umount", mountPoint])
        #expect(Mounts.waitUntilUnmounted(mountPoint))
    }

    @Test("--foreground serves until SIGTERM, which unmounts and logs the totals")
    func foregroundUntilSignal() throws {
        let project = try Self.project()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        let server = try project.start(["mount", "raw@main", mountPoint, "--foreground"])
        let deadline = Date().addingTimeInterval(30)
        while !Mounts.isMounted(mountPoint), server.isRunning, Date() < deadline { usleep(20_000) }
        #expect(Mounts.isMounted(mountPoint))
        #expect(try project.read("\(mountPoint)/a.csv") == Array("1,2\n".utf8))
        server.kill(SIGTERM)
        let result = try server.wait()
        #expect(result.status == 0 && !result.signaled, "\(result)")
        #expect(Mounts.waitUntilUnmounted(mountPoint))
        #expect(result.stderr.contains("mounted raw@main") && result.stderr.contains("unmounted \(mountPoint): 1 reads"), "\(result)")
    }

    @Test("umount of a busy mount says so; --lazy detaches it at once")
    func busyMount() throws {
        let project = try Self.project()
        let mountPoint = try project.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try project.mount("raw@main", at: mountPoint)
        let fd = open("\(mountPoint)/a.csv", O_RDONLY)
        #expect(fd >= 0)
        #expect(project.run(["umount", mountPoint], expect: 1).stderr.contains("is busy"))
        project.run(["umount", "--lazy", mountPoint])
        #expect(!Mounts.isMounted(mountPoint))
        var byte: UInt8 = 0
        #expect(read(fd, &byte, 1) == 1 && byte == UInt8(ascii: "1"), "an open file still reads after a lazy unmount")
        close(fd)
    }
}
