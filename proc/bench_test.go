package proc_test

func rawFloor() {}
