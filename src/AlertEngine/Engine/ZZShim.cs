namespace AlertEngine;
internal static class ConditionCompiler { public static Func<Activity,bool> Compile(Condition? c) => c is null ? _ => true : throw new NotImplementedException(); }
