import Foundation

/// What the tests read of the Kubernetes Indexed Job `pipeline run --executor kubernetes
/// --manifest` prints (`batch/v1` field names). Decoding fails on a missing or mistyped field,
/// so a test that reads it also checks those fields are there.
struct IndexedJob: Decodable {
    struct Metadata: Decodable {
        let name: String?
        let namespace: String?
        let labels: [String: String]?
    }

    struct Spec: Decodable {
        let completionMode: String
        let completions: Int
        let parallelism: Int
        let backoffLimitPerIndex: Int
        let maxFailedIndexes: Int?
        let template: Template
    }

    struct Template: Decodable {
        let metadata: Metadata?
        let spec: PodSpec
    }

    struct PodSpec: Decodable {
        let restartPolicy: String
        let volumes: [Volume]
        let initContainers: [Container]
        let containers: [Container]
    }

    struct Volume: Decodable {
        let name: String
        let emptyDir: [String: String]?
    }

    struct Container: Decodable {
        let name: String
        let image: String
        let command: [String]
        let volumeMounts: [Mount]?
        let envFrom: [EnvironmentSource]?
        let env: [Variable]?
    }

    struct Mount: Decodable {
        let name: String
        let mountPath: String
    }

    struct EnvironmentSource: Decodable {
        struct Reference: Decodable { let name: String }
        let secretRef: Reference?
    }

    struct Variable: Decodable {
        struct Source: Decodable {
            struct Field: Decodable { let fieldPath: String }
            let fieldRef: Field?
        }
        let name: String
        let value: String?
        let valueFrom: Source?
    }

    let apiVersion: String
    let kind: String
    let metadata: Metadata
    let spec: Spec

    init(_ text: String) throws {
        self = try JSONDecoder().decode(IndexedJob.self, from: Data(text.utf8))
    }

    /// The pods' main container (the one running the datums).
    var main: Container? { spec.template.spec.containers.first }

    /// The parsed JSON with the value at `path` (object keys, or array indices as digits)
    /// replaced by `change(old)`; `nil` removes it. For deliberately broken manifests.
    static func edited(_ text: String, at path: [String], _ change: (Any?) -> Any?) throws -> String {
        let root = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let result = edit(root, path[...], change) ?? [String: Any]()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func edit(_ value: Any?, _ path: ArraySlice<String>, _ change: (Any?) -> Any?) -> Any? {
        guard let step = path.first else { return change(value) }
        if var array = value as? [Any], let index = Int(step), array.indices.contains(index) {
            array[index] = edit(array[index], path.dropFirst(), change) ?? NSNull()
            return array
        }
        var object = value as? [String: Any] ?? [:]
        object[step] = edit(object[step], path.dropFirst(), change)
        return object
    }
}
