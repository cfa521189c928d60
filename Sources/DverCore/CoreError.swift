/// Errors raised while validating or decoding values.
public enum CoreError: Error, Equatable, Sendable {
    /// An encoded object does not follow FORMAT.md.
    case malformedObject(what: String, reason: String)
    /// An object was written by a newer format version than this dver understands.
    case unsupportedVersion(what: String, version: Int, supported: Int)
    /// A path or name is not allowed inside a repository.
    case invalidPath(String, reason: String)
    /// An object's bytes do not hash to its id.
    case hashMismatch(expected: ObjectID, actual: ObjectID)
}

extension CoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformedObject(let what, let reason):
            return "malformed \(what): \(reason)"
        case .unsupportedVersion(let what, let version, let supported):
            return "\(what) has format version \(version) but this dver reads up to \(supported); upgrade dver"
        case .invalidPath(let path, let reason):
            return "invalid path '\(path)': \(reason)"
        case .hashMismatch(let expected, let actual):
            return "object \(expected.hex) is corrupt: its bytes hash to \(actual.hex)"
        }
    }
}
