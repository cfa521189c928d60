import DverCore
@testable import DverMount
import Foundation
import Testing

/// Reading the kernel's mount table, and the attributes entries get.
@Suite("mount table and attributes")
struct MountTableTests {
    @Test("mountinfo lines: escapes undone, optional fields skipped, malformed lines ignored")
    func parsesMountinfo() {
        let text = """
            22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
            42 27 0:39 / /tmp/with\\040space/mnt ro,nosuid,nodev,relatime shared:1 master:2 - fuse.dver dver:raw@3fa9c1d2 ro,user_id=0,group_id=0,default_permissions
            garbage line
            43 27 0:40 / /tmp/x ro - fuse.sshfs host:/ ro
            """
        let entries = MountTable.parse(text)
        #expect(entries.count == 3)
        #expect(entries[1] == MountTableEntry(mountPoint: "/tmp/with space/mnt", fileSystemType: "fuse.dver",
                                              source: "dver:raw@3fa9c1d2", device: "0:39"))
        #expect(entries[1].isDver && !entries[2].isDver)
        #expect(MountTable.unescape("a\\134b\\011c\\012") == "a\\b\tc\n")
        #expect(MountTable.unescape("trailing\\04") == "trailing\\04")
    }

    @Test("the live table has this process's root, and nothing at a fresh directory")
    func liveTable() throws {
        #expect(MountTable.entries().contains { $0.mountPoint == "/" })
        let directory = NSTemporaryDirectory() + "dver-mountpoint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let point = MountPoint(directory, workingDirectory: "/")
        #expect(point.state == .emptyDirectory)
        #expect(MountPoint("\(directory)/missing", workingDirectory: "/").state == .missing)
        #expect(throws: MountError.notMounted(point.path)) { try point.unmount() }
        #expect(MountPoint("x/../y", workingDirectory: directory).path == "\(point.path)/y")
    }

    @Test("attributes: read-only modes by kind, sizes, the commit's time for all three times")
    func attributes() {
        let attributes = NodeAttributes(owner: 1000, group: 100, commitNanoseconds: 1_700_000_000_123_456_789)
        let id = SHA256.hash([1])
        var status = stat()
        attributes.fill(&status, for: TreeEntry(name: "a", kind: .file, size: 1000, id: id))
        #expect(status.st_mode == S_IFREG | 0o444 && status.st_size == 1000 && status.st_blocks == 2 && status.st_nlink == 1)
        #expect(status.st_uid == 1000 && status.st_gid == 100)
        #expect(status.st_mtim.tv_sec == 1_700_000_000 && status.st_mtim.tv_nsec == 123_456_789)
        #expect(status.st_atim.tv_sec == status.st_mtim.tv_sec && status.st_ctim.tv_nsec == status.st_mtim.tv_nsec)
        attributes.fill(&status, for: TreeEntry(name: "x", kind: .executable, size: 5, id: id))
        #expect(status.st_mode == S_IFREG | 0o555)
        attributes.fill(&status, for: TreeEntry(name: "d", kind: .directory, size: 123_456, id: id))
        #expect(status.st_mode == S_IFDIR | 0o555 && status.st_size == 4096)
        attributes.fill(&status, for: TreeEntry(name: "l", kind: .symlink, size: 8, id: id))
        #expect(status.st_mode == S_IFLNK | 0o777 && status.st_size == 8)
        let before1970 = NodeAttributes(owner: 0, group: 0, commitNanoseconds: -1_500_000_000)
        #expect(before1970.time.tv_sec == -2 && before1970.time.tv_nsec == 500_000_000)
    }
}
