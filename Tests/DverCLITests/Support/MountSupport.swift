import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the `dver mount` suites: whether FUSE mounts can be made here, what the mount
/// table says, the mount's counters, and a walk of a directory tree for comparisons.
enum Mounts {
    /// FUSE mounts work here: as root, a file system served by a /dev/fuse descriptor mounts
    /// and unmounts (what scripts/test.sh's `fuse` gate checks too).
    static let isAvailable: Bool = {
        guard geteuid() == 0 else { return false }
        let fd = open("/dev/fuse", O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let point = NSTemporaryDirectory() + "dver-fuse-probe-\(UUID().uuidString)"
        guard mkdir(point, 0o755) == 0 else { return false }
        defer { rmdir(point) }
        guard mount("dver-probe", point, "fuse.dver-probe", UInt(MS_RDONLY), "fd=\(fd),rootmode=40000,user_id=0,group_id=0") == 0 else {
            return false
        }
        umount2(point, Int32(MNT_DETACH))
        return true
    }()

    /// The mount table line for `path` (type and source), if something is mounted there.
    static func entry(at path: String) -> (type: String, source: String)? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[4] == path, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { continue }
            return (String(fields[dash + 1]), String(fields[dash + 2]))
        }
        return nil
    }

    static func isMounted(_ path: String) -> Bool { entry(at: path)?.type == "fuse.dver" }

    /// Waits until nothing is mounted at `path` (the serving process unmounts asynchronously).
    static func waitUntilUnmounted(_ path: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while entry(at: path) != nil {
            if Date() > deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// Detaches whatever is mounted at `path` (test clean-up; ignores failures).
    static func detach(_ path: String) {
        while entry(at: path) != nil {
            guard umount2(path, Int32(MNT_DETACH)) == 0 else { return }
        }
    }

    /// The mount's counters (`user.dver.stats` on its root).
    static func statistics(_ mountPoint: String) throws -> [String: Any] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let getxattr = try #require(getExtendedAttribute, "no getxattr in libc")
        let count = getxattr(mountPoint, "user.dver.stats", &buffer, buffer.count)
        try #require(count > 0, "getxattr user.dver.stats: \(String(cString: strerror(errno)))")
        let object = try JSONSerialization.jsonObject(with: Data(buffer[..<count]))
        return try #require(object as? [String: Any])
    }

    /// libc's getxattr (Glibc's module map leaves sys/xattr.h out).
    static let getExtendedAttribute: (@convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "getxattr") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int).self)
    }()

    static func counter(_ name: String, _ mountPoint: String) throws -> Int {
        try #require(try statistics(mountPoint)[name] as? Int, "no counter \(name)")
    }

    /// `pread` of `count` bytes at `offset`; the errno on failure.
    static func pread(_ path: String, offset: Int, count: Int) -> Result<[UInt8], Errno> {
        // O_CLOEXEC: a process another test starts meanwhile must not inherit it and keep the
        // mount busy.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { Glibc.pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 { return .failure(Errno(errno)) }
            if got == 0 { break }
            done += got
        }
        return .success(Array(bytes[..<done]))
    }

    struct Errno: Error, Equatable, CustomStringConvertible {
        var code: Int32
        init(_ code: Int32) { self.code = code }
        var description: String { "errno \(code) (\(String(cString: strerror(code))))" }
    }

    /// One path under a tree, as `lstat` sees it.
    struct Node: Equatable, CustomStringConvertible {
        var path: String
        /// "file", "exec", "dir", "symlink -> TARGET".
        var kind: String
        var size: Int
        var description: String { "\(path) \(kind) \(size)" }
    }

    /// Every path beneath `root` (sorted), with its kind and size (directories: 0), like `ls -lR`.
    static func tree(_ root: String) throws -> [Node] {
        var nodes = [Node]()
        var pending = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : "\(root)/\(relative)"
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
                let path = relative.isEmpty ? name : "\(relative)/\(name)"
                var status = stat()
                try #require(lstat("\(root)/\(path)", &status) == 0, "lstat \(path)")
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    nodes.append(Node(path: path, kind: "dir", size: 0))
                    pending.append(path)
                case S_IFLNK:
                    let target = try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/\(path)")
                    nodes.append(Node(path: path, kind: "symlink -> \(target)", size: Int(status.st_size)))
                default:
                    nodes.append(Node(path: path, kind: status.st_mode & 0o100 != 0 ? "exec" : "file", size: Int(status.st_size)))
                }
            }
        }
        return nodes.sorted { $0.path < $1.path }
    }
}

extension TestProject {
    /// A directory beside the project for a mount point (created empty).
    func mountPoint(_ name: String = "mnt") throws -> String {
        let path = "\(outside)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `dver mount … --json`; returns the serving process's pid.
    @discardableResult
    func mount(_ target: String, at mountPoint: String, _ extra: [String] = [], environment: [String: String] = [:],
               sourceLocation: SourceLocation = #_sourceLocation) throws -> Int32 {
        let result = run(["mount", target, mountPoint, "--json"] + extra, environment: environment, sourceLocation: sourceLocation)
        try #require(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        #expect(Mounts.isMounted(mountPoint), sourceLocation: sourceLocation)
        let pid = try #require(try result.jsonObject()["pid"] as? Int, sourceLocation: sourceLocation)
        return Int32(pid)
    }

    /// The ids of a chunked file's chunks with their offsets, from `dver cat-object --json`.
    func chunks(ofList id: String) throws -> [(id: String, offset: Int, length: Int)] {
        var result = [(id: String, offset: Int, length: Int)]()
        var offset = 0
        func walk(_ id: String) throws {
            let node = try run(["cat-object", "--json", id]).jsonObject()
            let level = try #require(node["level"] as? Int)
            for entry in try #require(node["entries"] as? [[String: Any]]) {
                let child = try #require(entry["id"] as? String)
                let text = try #require(entry["length"] as? String)
                let length = try #require(Int(text))
                if level == 0 {
                    result.append((child, offset, length))
                    offset += length
                } else {
                    try walk(child)
                }
            }
        }
        try walk(id)
        return result
    }

    /// The id of the entry at `path` of a revision (`dver ls-tree --json`).
    func entryID(_ revision: String, _ path: String) throws -> String {
        let entries = try run(["ls-tree", "--json", "-r", revision]).jsonArray()
        let entry = try #require(entries.first { $0["path"] as? String == path }, "no \(path) in \(revision)")
        return try #require(entry["id"] as? String)
    }

    /// Flips one byte in the data of the pack record of object `hex` in the local store.
    func damageStoredObject(_ hex: String, at offset: Int = 100) throws {
        let id = try #require(ObjectID(hex: hex))
        let packs = path(".dver/packs")
        for name in try FileManager.default.contentsOfDirectory(atPath: packs) where name.hasSuffix(".pack") {
            var bytes = try read("\(packs)/\(name)")
            let needle = id.bytes + [1]   // the record header: id, then kind 1 (chunk)
            guard let start = bytes.firstRange(of: needle)?.lowerBound else { continue }
            bytes[start + 42 + offset] ^= 0x55
            let file = "\(packs)/\(name)"
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            return
        }
        Issue.record("no pack record of \(hex)")
    }
}
