namespace AlertEngine;
internal static class ConditionCompiler { public static Func<Activity,bool> Compile(Condition? c) => c is null ? _ => true : throw new NotImplementedException(); }
internal static class PolicyValidator { public static IReadOnlyList<ValidationError> Validate(IReadOnlyList<AlertPolicy> p, Plan plan) => []; }
