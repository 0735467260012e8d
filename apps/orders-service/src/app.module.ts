import { Module } from '@nestjs/common';
import { EventBusModule } from 'nest-ordered-eventbus';
import { eventBusOptions } from './demo-config';
import { OpsController } from './ops.controller';
import { OrderTracker } from './order-tracker';
import { OrdersController } from './orders.controller';

@Module({
  imports: [EventBusModule.forRoot(eventBusOptions)],
  controllers: [OrdersController, OpsController],
  providers: [OrderTracker],
})
export class AppModule {}
