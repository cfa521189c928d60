import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line of `/proc/self/mountinfo`.
public struct MountTableEntry: Sendable, Equatable {
    public var mountPoint: String
    /// "fuse.dver" for dver's mounts.
    public var fileSystemType: String
    public var source: String
    /// The device number ("0:54").
    public var device: String

    public var isDver: Bool { fileSystemType == "fuse.dver" }
}

/// The kernel's table of mounts as this process sees them.
public enum MountTable {
    public static let path = "/proc/self/mountinfo"

    /// Every mount, in the order the kernel lists them (later mounts over earlier ones).
    public static func entries() -> [MountTableEntry] {
        guard let text = try? FileSystem.readText(path) else { return [] }
        return parse(text)
    }

    /// The topmost mount at exactly `mountPoint` (an absolute, canonical path), if any.
    public static func entry(at mountPoint: String) -> MountTableEntry? {
        entries().last { $0.mountPoint == mountPoint }
    }

    /// Parses mountinfo lines: `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [FIELDS...] - TYPE
    /// SOURCE SUPEROPTIONS`, with spaces, tabs, newlines and backslashes in paths written as
    /// octal escapes (`\040`). Lines that do not have this shape are skipped.
    public static func parse(_ text: String) -> [MountTableEntry] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count >= 10, let separator = fields.firstIndex(of: "-"), separator >= 6,
                  separator + 2 < fields.count else { return nil }
            return MountTableEntry(mountPoint: unescape(fields[4]), fileSystemType: unescape(fields[separator + 1]),
                                   source: unescape(fields[separator + 2]), device: String(fields[2]))
        }
    }

    /// Undoes the kernel's octal escapes (`\040` → space).
    static func unescape(_ field: Substring) -> String {
        var bytes = [UInt8]()
        let utf8 = Array(field.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
               let value = UInt8(String(decoding: utf8[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
