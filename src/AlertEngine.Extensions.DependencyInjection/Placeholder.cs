namespace AlertEngine; internal static class Placeholder { }
