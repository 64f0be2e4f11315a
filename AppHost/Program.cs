Console.Error.WriteLine("The AppHost orchestrator is not built yet; use scripts/run.sh.");
return 1;
